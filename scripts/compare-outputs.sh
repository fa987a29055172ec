#!/usr/bin/env bash
# Checks that two builds of sim write the same bytes: every shipped model's run (summary.json with
# its timing fields removed, timeseries.csv), a few variants of them that take paths no shipped
# model takes (listed below), and every shipped experiment's sweep (every CSV it writes). A
# refactor or a speed-up must pass this unchanged; a change argued as more faithful lists the
# files it changes.
#
# Usage: scripts/compare-outputs.sh [--base REV] [--duration D] [--only models|experiments]
#                                   [--threads N] [--keep]
#   --base REV      the build to compare against (default: HEAD); the other side is the work tree
#   --duration D    run each model for D instead of its own duration (a quick check; default: full)
#   --only WHAT     compare only models or only experiments
#   --threads N     run the work tree's models with `sim run --threads N` (the base as it runs)
#   --keep          keep the output folders (printed at the end)
# Exit status: 0 identical, 1 a difference (listed), 2 usage or build error.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

base=HEAD duration="" only="" keep=0 threads=""
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "compare-outputs: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

rev=$(git rev-parse --verify "$base^{commit}") || { echo "compare-outputs: no commit '$base'" >&2; exit 2; }
work=$(mktemp -d)
cleanup() {
  git worktree remove --force "$work/base-tree" >/dev/null 2>&1 || true
  if [ "$keep" = 1 ]; then echo "outputs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== building the base ($base = ${rev:0:12}) and the work tree"
git worktree add --detach "$work/base-tree" "$rev" >/dev/null 2>&1
# The base gets its own target folder, kept between calls so a second check only rebuilds sim.
CARGO_TARGET_DIR="$root/target/compare-base" cargo build --release --quiet --bin sim \
  --manifest-path "$work/base-tree/Cargo.toml"
cargo build --release --quiet --bin sim
base_bin="$root/target/compare-base/release/sim"
new_bin="$root/target/release/sim"

# Variants, `name|model file|sim run flags`: the reference model of docs/performance.md, and the
# `any-new` busy poller, whose decisions see how far the log has been generated. A variant whose
# file is missing from either tree is skipped.
variants=(
  'reference-10|benches/reference.toml|--set consumers.fn.count=10'
  'reference-30|benches/reference.toml|--set consumers.fn.count=30'
  'kinesis-standard-any-new|models/kinesis-standard.toml|--set consumers.fn.busy_poll="any-new"'
  'reference-30-any-new|benches/reference.toml|--set consumers.fn.count=30 --set consumers.fn.busy_poll="any-new"'
)

# Writes one run's stable files into $out/models/$name: summary.json minus its timing fields, and
# timeseries.csv. $bin, $out and $name are the caller's; the arguments are `sim`'s.
run_model() {
  "$bin" "$@" --out "$out/models/$name" --max-events 1e12 >/dev/null 2>"$out/models/$name.stderr" || {
    echo "  $name failed with $bin:"; cat "$out/models/$name.stderr"; return 1; }
  jq 'del(.wall_s, .events_per_s, .peak_rss_mb)' "$out/models/$name/summary.json" \
    >"$out/models/$name/summary.stable.json"
  rm "$out/models/$name/summary.json"
  # report.html carries the same numbers, and its command line names the output folder; the
  # folder's listing (.sim-output) holds the hashes of summary.json and report.html as written.
  rm -f "$out/models/$name/report.html" "$out/models/$name/.sim-output"
}

# Runs everything with one binary from one tree; the outputs go to $2; $4 are more `sim run` flags.
produce() {
  local bin=$1 out=$2 tree=$3 more=${4:-}
  mkdir -p "$out/models" "$out/experiments"
  (
    cd "$tree"
    if [ "$only" != experiments ]; then
      local common=()
      [ -n "$duration" ] && common+=(--duration "$duration" --warmup 0s)
      [ -n "$more" ] && read -ra extra <<<"$more" && common+=("${extra[@]}")
      for m in models/*.toml; do
        local name
        name=$(basename "$m" .toml)
        run_model run "$m" "${common[@]}" || return 1
      done
      for v in "${variants[@]}"; do
        local name file flags
        IFS='|' read -r name file flags <<<"$v"
        [ -f "$root/$file" ] && [ -f "$work/base-tree/$file" ] || continue
        read -ra flags <<<"$flags"
        run_model run "$file" "${flags[@]}" "${common[@]}" || return 1
      done
    fi
    if [ "$only" != models ]; then
      for e in experiments/*.toml; do
        local name
        name=$(basename "$e" .toml)
        "$bin" sweep "$e" --quiet --out "$out/experiments/$name" >/dev/null \
          2>"$out/experiments/$name.stderr" || {
          echo "  $e failed with $bin:"; cat "$out/experiments/$name.stderr"; return 1; }
        # Only data files are compared: plots carry the same numbers, drawn.
        find "$out/experiments/$name" -type f ! -name '*.csv' -delete
      done
    fi
    rm -f "$out"/models/*.stderr "$out"/experiments/*.stderr
  )
}

echo "== running the base"
produce "$base_bin" "$work/base" "$work/base-tree"
echo "== running the work tree"
produce "$new_bin" "$work/new" "$root" "${threads:+--threads $threads}"

if diff -r "$work/base" "$work/new" >"$work/diff.txt"; then
  n=$(find "$work/base" -type f | wc -l)
  echo "identical: $n files (models: summary minus timing fields, timeseries.csv; experiments: every CSV)"
  exit 0
fi
echo "DIFFERENT: the files below differ between $base and the work tree"
grep -E '^(diff|Only in)' "$work/diff.txt" | sed "s|$work/||g" | head -50
exit 1
