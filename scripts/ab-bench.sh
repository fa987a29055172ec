#!/usr/bin/env bash
# Times two builds of sim against each other, interleaved (A B A B ...), so that a machine that
# slows down or speeds up during the sitting affects both alike. Prints each side's median wall
# time and peak memory, and the per-pair ratios A/B (median, min, max): a ratio above 1 means B is
# faster.
#
# Usage: scripts/ab-bench.sh [--pairs N] [--warmups N] [--keep-b DIR] [--own-inputs] REV_A REV_B -- SIM_ARGS...
#   REV_A, REV_B   commits (anything git rev-parse takes), `worktree` for the files as they are, or
#                  the path of a sim binary already built (run as it is, in this checkout)
#   --pairs N      timed pairs (default 11), after the untimed warm-up pairs
#   --warmups N    untimed warm-up pairs (default 1; 0 for runs of minutes, which warm up alone)
#   --keep-b DIR   keep B's last output folder as DIR (to compare its bytes with another build's)
#   --own-inputs   run each build in its own checkout, so relative paths in SIM_ARGS name that
#                  commit's models and experiments (an old commit may not read today's files)
#   SIM_ARGS       the sim command line, e.g. `run benches/reference.toml --set consumers.fn.count=10`
# Each run writes into its own temporary folder (an `--out` is added when SIM_ARGS has none).
# Example: scripts/ab-bench.sh af54fcd worktree -- run benches/reference.toml --set consumers.fn.count=30
#          scripts/ab-bench.sh --own-inputs af54fcd worktree -- sweep experiments/hot-stream.toml
#          scripts/ab-bench.sh --pairs 3 --warmups 0 --own-inputs 3d85da1 worktree -- \
#            sweep experiments/hot-stream.toml --assumptions 32
# Exit status: 0 done, 2 usage or build error.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pairs=11
warmups=1
keep_b=""
own_inputs=0
while true; do
  case "${1:-}" in
    --pairs) pairs=$2; shift 2 ;;
    --warmups) warmups=$2; shift 2 ;;
    --keep-b) keep_b=$2; shift 2 ;;
    --own-inputs) own_inputs=1; shift ;;
    *) break ;;
  esac
done
if [ $# -lt 3 ] || [ "$3" != -- ]; then
  sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
rev_a=$1 rev_b=$2
shift 3
args=("$@")

# The worktree of commit `sha` (full hash) under target/ab/.
tree_of() {
  echo "$root/target/ab/tree-${1:0:12}"
}

# The checkout a build runs in under --own-inputs (the work tree for `worktree`).
checkout() {
  if [ "$1" = worktree ] || [ -f "$1" ]; then
    echo "$root"
  else
    tree_of "$(git rev-parse "$1^{commit}")"
  fi
}

# Builds `rev` and prints the path of its sim binary. Commits get their own worktree and target
# folder under target/ab/, kept between calls so a second comparison only rebuilds sim.
build() {
  local rev=$1
  if [ -f "$rev" ] && [ -x "$rev" ]; then
    realpath "$rev"
    return
  fi
  if [ "$rev" = worktree ]; then
    cargo build --release --quiet --bin sim >&2 || exit 2
    echo "$root/target/release/sim"
    return
  fi
  local sha
  sha=$(git rev-parse --verify --quiet "$rev^{commit}") || { echo "ab-bench: no commit '$rev'" >&2; exit 2; }
  local tree
  tree=$(tree_of "$sha")
  [ -d "$tree" ] || git worktree add --detach "$tree" "$sha" >/dev/null 2>&1 || exit 2
  CARGO_TARGET_DIR="$root/target/ab/target-${sha:0:12}" cargo build --release --quiet --bin sim \
    --manifest-path "$tree/Cargo.toml" >&2 || exit 2
  echo "$root/target/ab/target-${sha:0:12}/release/sim"
}

echo "== building $rev_a and $rev_b" >&2
bin_a=$(build "$rev_a")
cp "$bin_a" "$root/target/ab-a.sim"
bin_b=$(build "$rev_b")
cp "$bin_b" "$root/target/ab-b.sim"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
has_out=0
for a in "${args[@]}"; do [ "$a" = --out ] && has_out=1; done

dir_a=$root dir_b=$root
if [ $own_inputs = 1 ]; then
  dir_a=$(checkout "$rev_a")
  dir_b=$(checkout "$rev_b")
fi

# One timed run in folder `dir`: prints "seconds peak_kb cpu_seconds". Wall time from the shell's
# microsecond clock; CPU time (user + system) from time(1), which a loaded machine moves less.
run_one() {
  local bin=$1 dir=$2 out=$work/out
  rm -rf "$out"
  local extra=()
  [ $has_out = 1 ] || extra=(--out "$out")
  local t0=$EPOCHREALTIME
  (cd "$dir" && /usr/bin/time -f '%M %U %S' -o "$work/rss" "$bin" "${args[@]}" "${extra[@]}" \
    >/dev/null 2>"$work/err") ||
    { echo "ab-bench: sim failed in $dir:" >&2; cat "$work/err" >&2; exit 2; }
  local t1=$EPOCHREALTIME
  local rss user sys
  read -r rss user sys < <(tail -1 "$work/rss")
  echo "$(echo "$t1 - $t0" | bc -l) $rss $(echo "$user + $sys" | bc -l)"
}

echo "== $pairs pairs (plus $warmups warm-up): sim ${args[*]}" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for _ in $(seq 1 "$warmups"); do
  run_one "$root/target/ab-a.sim" "$dir_a" >/dev/null
  run_one "$root/target/ab-b.sim" "$dir_b" >/dev/null
done
: >"$work/pairs"
for i in $(seq 1 "$pairs"); do
  a=$(run_one "$root/target/ab-a.sim" "$dir_a")
  b=$(run_one "$root/target/ab-b.sim" "$dir_b")
  echo "$a $b" >>"$work/pairs"
  echo "pair $i: A ${a%% *} s, B ${b%% *} s (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
if [ -n "$keep_b" ] && [ $has_out = 0 ]; then
  rm -rf "$keep_b"
  cp -r "$work/out" "$keep_b"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$work/pairs" "$rev_a" "$rev_b" <<'EOF'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
ta, ma, ca, tb, mb, cb = ([r[i] for r in rows] for i in range(6))
med = statistics.median
print(f"A {sys.argv[2]}: median {med(ta):.4f} s, CPU {med(ca):.2f} s, peak memory {med(ma) / 1024:.1f} MiB")
print(f"B {sys.argv[3]}: median {med(tb):.4f} s, CPU {med(cb):.2f} s, peak memory {med(mb) / 1024:.1f} MiB")
for what, xa, xb in (("wall", ta, tb), ("CPU", ca, cb)):
    ratios = [a / b if b else float("nan") for a, b in zip(xa, xb)]
    each = " ".join(f"{r:.2f}" for r in ratios)
    print(f"A/B {what} per pair: median {med(ratios):.2f}x, min {min(ratios):.2f}x, max {max(ratios):.2f}x ({len(ratios)} pairs: {each})")
EOF
