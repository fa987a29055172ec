#!/usr/bin/env bash
# Runs `sim check` on every architecture a change touches, against the same architecture at the
# base revision (taken with git), for a CI job: writes one Markdown and one JUnit XML file per
# architecture into OUT, and OUT/comment.md, the pull-request comment (all of them in one).
# An architecture is what `sim import` reads: a model (`.toml`), a template (`.yaml`, `.yml`,
# `.template`, CloudFormation `.json` holding "Resources"), `terraform show -json` output (one
# file each), or the AWS CLI JSON files of one folder (checked together); never a CloudWatch
# export ("MetricDataResults", "Datapoints"), objectives or prices.
# Usage: deploy/ci/sim-check.sh BASE_REF
#   BASE_REF: the branch the change goes into (e.g. origin/main); the change is compared with
#   the commit it branched from (git merge-base BASE_REF HEAD).
# Environment: SIM (the sim binary, default: sim on PATH), SIM_MODELS (folder of the model
# files or templates, default models), SIM_CHECK_OUT (default sim-check), SIM_CHECK_ARGS (more
# flags for every check, split on spaces, no quotes: e.g. "--assumptions 16", and for templates
# the traffic they cannot state: "--rate 200 --record-size 1KiB --function-duration 40ms,250ms"),
# SIM_CHECK_ARGS_FILE (a file of more arguments, one per line, taken as they are, spaces and
# all). Objectives: each model's [plan] table or the sim-objectives.toml beside it (see README
# "sim check"), which is where an objective with spaces belongs.
# Exit status: 0 every objective holds, 1 one does not, 2 bad input (a model sim cannot read).
set -euo pipefail
[ $# -eq 1 ] || { sed -n '2,19p' "$0"; exit 2; }
sim=${SIM:-sim}
models=${SIM_MODELS:-models}
out=${SIM_CHECK_OUT:-sim-check}
case ${SIM_CHECK_ARGS:-} in
    *\"*|*\'*|*\\*)
        echo "sim-check.sh: SIM_CHECK_ARGS is split on spaces and takes no quotes: put objectives in sim-objectives.toml, or arguments one per line in a file named by SIM_CHECK_ARGS_FILE" >&2
        exit 2 ;;
esac
read -r -a extra <<< "${SIM_CHECK_ARGS:-}"
if [ -n "${SIM_CHECK_ARGS_FILE:-}" ]; then
    while IFS= read -r arg || [ -n "$arg" ]; do
        [ -z "$arg" ] || extra+=("$arg")
    done < "$SIM_CHECK_ARGS_FILE"
fi
base=$(git merge-base "$1" HEAD)
short=$(git rev-parse --short "$base")
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The whole base tree, so that files a model names by relative path are there too.
base_tree=$scratch/base
mkdir "$base_tree"
git archive "$base" | tar -x -C "$base_tree"
# What FILE is: "one" (an architecture of its own), "cli" (AWS CLI output, one part of its
# folder's architecture) or nothing.
kind() {
    case $1 in
        */sim-objectives.toml|"$models"/prices/*) ;;
        *.toml|*.yaml|*.yml|*.template) echo one ;;
        *.json)
            if grep -qE '"(MetricDataResults|Datapoints)"[[:space:]]*:' "$1" 2>/dev/null; then
                :
            elif grep -q '"Resources"' "$1" 2>/dev/null; then
                echo one
            elif grep -q '"format_version"' "$1" 2>/dev/null \
                && grep -qE '"(planned_values|values)"[[:space:]]*:' "$1"; then
                echo one
            elif grep -qE '"(StreamDescriptionSummary|StreamDescription|Consumers|ConsumerDescription|EventSourceMappings|Table|Functions|Configuration|UUID|FunctionName)"[[:space:]]*:' "$1" 2>/dev/null; then
                echo cli
            fi ;;
    esac
}
# The AWS CLI files of folder DIR under ROOT (paths relative to ROOT), NUL-separated, in order.
cli_files() {
    local root=$1 dir=$2 f
    [ -d "$root/$dir" ] || return 0
    while IFS= read -r -d '' f; do
        f=${f#"$root"/}
        if [ "$(cd "$root" && kind "$f")" = cli ]; then printf '%s\0' "$f"; fi
    done < <(find "$root/$dir" -maxdepth 1 -type f -name '*.json' -print0 | sort -z)
}
# Each architecture as one NUL-terminated entry: "one:PATH" or "cli:FOLDER".
units() {
    local f k
    while IFS= read -r -d '' f; do
        [ -f "$f" ] || continue
        k=$(kind "$f")
        case $k in
            one) printf 'one:%s\0' "$f" ;;
            cli) printf 'cli:%s\0' "$(dirname "$f")" ;;
        esac
    done
}
{
    git diff -z --name-only --diff-filter=d "$base" HEAD -- "$models"
    # A changed objectives file checks every architecture beside it again.
    while IFS= read -r -d '' objectives; do
        git ls-files -z -- "$(dirname "$objectives")"
    done < <(git diff -z --name-only --diff-filter=d "$base" HEAD -- "$models" \
        | grep -z '/sim-objectives\.toml$' || true)
} | units | sort -zu > "$scratch/units"
status=0
{
    echo "## sim check"
    echo
} > "$out/comment.md"
if [ ! -s "$scratch/units" ]; then
    echo "No model or template under $models/ changed." >> "$out/comment.md"
fi
# Report names already given (comment.md is the comment's).
declare -A taken=([comment]=1)
while IFS= read -r -d '' unit; do
    path=${unit#*:}
    changed=()
    based=()
    case $unit in
        one:*)
            changed=("$path")
            shown=$path
            if [ -f "$base_tree/$path" ]; then based=("$base_tree/$path"); fi ;;
        cli:*)
            while IFS= read -r -d '' f; do changed+=("$f"); done < <(cli_files . "$path")
            shown="$path/*.json"
            while IFS= read -r -d '' f; do based+=("$base_tree/$f"); done < <(cli_files "$base_tree" "$path") ;;
    esac
    [ ${#changed[@]} -gt 0 ] || continue
    # The report's name: the path with / as -, made unique with a number when two paths meet.
    stem=${path%.*}
    [ "$unit" = "${unit#cli:}" ] || stem=$path
    name=${stem//\//-}
    n=1
    while [ -n "${taken[$name]:-}" ]; do
        n=$((n + 1))
        name="${stem//\//-}-$n"
    done
    taken[$name]=1
    args=("${changed[@]}" --markdown "$out/$name.md" --junit "$out/$name.xml")
    if [ ${#based[@]} -gt 0 ]; then
        args+=(--base "${based[@]}" --base-label "$shown at $short")
    fi
    rc=0
    "$sim" check "${args[@]}" "${extra[@]}" || rc=$?
    case $rc in
        0) ;;
        1) [ "$status" -eq 2 ] || status=1 ;;
        *) status=2
           printf '### sim check: could not check `%s` (exit %s); see the job log\n\n' "$shown" "$rc" >> "$out/comment.md"
           continue ;;
    esac
    # The Markdown without sim's signature line, which is for sim, not for readers.
    sed '$d' "$out/$name.md" >> "$out/comment.md"
    echo >> "$out/comment.md"
done < "$scratch/units"
exit "$status"
