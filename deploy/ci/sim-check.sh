#!/usr/bin/env bash
# Runs `sim check` on every architecture file a change touches (a model, `.toml`, or a template
# `sim import` reads: `.yaml`, `.yml`, `.template`, or `.json` holding "Resources"), against the
# same file at the base revision (taken with git), for a CI job: writes one Markdown and one JUnit
# XML file per file into OUT, and OUT/comment.md, the pull-request comment (all of them in one).
# Usage: deploy/ci/sim-check.sh BASE_REF
#   BASE_REF: the branch the change goes into (e.g. origin/main); the change is compared with
#   the commit it branched from (git merge-base BASE_REF HEAD).
# Environment: SIM (the sim binary, default: sim on PATH), SIM_MODELS (folder of the model
# files or templates, default models), SIM_CHECK_OUT (default sim-check), SIM_CHECK_ARGS (more
# flags for every check, e.g. "--assumptions 16", and for templates the traffic they cannot
# state: "--rate 200 --record-size 1KiB --function-duration 40ms,250ms"). Objectives: each
# model's [plan] table or the sim-objectives.toml beside it (see README "sim check").
# Exit status: 0 every objective holds, 1 one does not, 2 bad input (a model sim cannot read).
set -euo pipefail
[ $# -eq 1 ] || { sed -n '2,15p' "$0"; exit 2; }
sim=${SIM:-sim}
models=${SIM_MODELS:-models}
out=${SIM_CHECK_OUT:-sim-check}
read -r -a extra <<< "${SIM_CHECK_ARGS:-}"
base=$(git merge-base "$1" HEAD)
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The whole base tree, so that files a model names by relative path are there too; its folder
# is named after the commit, which the verdict then shows.
base_tree=$scratch/base-$(git rev-parse --short "$base")
mkdir "$base_tree"
git archive "$base" | tar -x -C "$base_tree"
# The architecture files among FILES...: models and templates, not objectives, prices or exports.
architectures() {
    for f in "$@"; do
        case $f in
            */sim-objectives.toml|"$models"/prices/*) ;;
            *.toml|*.yaml|*.yml|*.template) echo "$f" ;;
            *.json) if grep -q '"Resources"' "$f" 2>/dev/null; then echo "$f"; fi ;;
        esac
    done
}
# shellcheck disable=SC2046
changed=$(architectures $(git diff --name-only --diff-filter=d "$base" HEAD -- "$models"))
# A changed objectives file checks every architecture beside it again.
for objectives in $(git diff --name-only --diff-filter=d "$base" HEAD -- "$models" | grep '/sim-objectives\.toml$' || true); do
    # shellcheck disable=SC2046
    changed+=$'\n'$(architectures $(git ls-files "$(dirname "$objectives")"))
done
changed=$(printf '%s\n' "$changed" | sed '/^$/d' | sort -u)
status=0
{
    echo "## sim check"
    echo
} > "$out/comment.md"
if [ -z "$changed" ]; then
    echo "No model or template under $models/ changed." >> "$out/comment.md"
fi
for model in $changed; do
    name=$(echo "${model%.*}" | tr '/' '-')
    args=("$model" --markdown "$out/$name.md" --junit "$out/$name.xml")
    if [ -f "$base_tree/$model" ]; then
        args+=(--base "$base_tree/$model")
    fi
    rc=0
    "$sim" check "${args[@]}" "${extra[@]}" || rc=$?
    case $rc in
        0) ;;
        1) [ "$status" -eq 2 ] || status=1 ;;
        *) status=2
           printf '### sim check: could not check `%s` (exit %s); see the job log\n\n' "$model" "$rc" >> "$out/comment.md"
           continue ;;
    esac
    # The Markdown without sim's signature line, which is for sim, not for readers.
    sed '$d' "$out/$name.md" >> "$out/comment.md"
    echo >> "$out/comment.md"
done
exit "$status"
