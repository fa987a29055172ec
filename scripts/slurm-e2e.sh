#!/usr/bin/env bash
# Runs the Slurm recipe for real on a one-node cluster (scripts/slurm-local.sh) and checks that the
# merged output is the one-machine sweep's, byte for byte apart from timing fields.
# Usage: scripts/slurm-e2e.sh [EXPERIMENT] [PARTITIONS]   (default: experiments/two-reader-rule.toml, 3)
# Runs as root. Exit status: 0 identical, 1 different or a job failed, 2 set-up failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
experiment=${1:-experiments/two-reader-rule.toml}
partitions=${2:-3}
name=$(basename "$experiment" .toml)

scripts/slurm-local.sh start || exit 2
cargo build --release --quiet --bin sim || exit 2
export SIM="$root/target/release/sim"

work=$(mktemp -d "$root/target/slurm-e2e.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT  # KEEP=1 keeps it to look at
export JOURNAL="$work/journal" OUT="$work/merged"

echo "== one machine"
# The same path as the array tasks are given: outputs record the experiment's path as typed.
"$SIM" sweep "$root/$experiment" --quiet --out "$work/single" >/dev/null

echo "== Slurm: $partitions array tasks, then the merge job"
cd "$work"
ids=$("$root/deploy/slurm/submit.sh" "$root/$experiment" "$partitions")
echo "$ids"
merge=$(echo "$ids" | sed -E 's/.*merge job: ([0-9]+).*/\1/')
for _ in $(seq 1 600); do
  # sacct fails when accounting is off (as on the one-node cluster): then squeue, then the files.
  state=$(sacct -n -X -j "$merge" -o State 2>/dev/null | head -1 | tr -d ' ' || true)
  [ -z "$state" ] && state=$(squeue -h -j "$merge" -o %T 2>/dev/null | head -1 || true)
  case "$state" in
    COMPLETED) break ;;
    FAILED|CANCELLED*|TIMEOUT|OUT_OF_MEMORY|DependencyNeverSatisfied) echo "merge job $merge: $state" >&2; cat sim-*.log >&2; exit 1 ;;
  esac
  # Without accounting, a finished job leaves the queue: then the merged folder tells.
  if [ -z "$state" ] && [ -e "$OUT/summary.csv" ]; then break; fi
  sleep 1
done
cat sim-*.log | grep -v '^$' | tail -20
[ -e "$OUT/summary.csv" ] || { echo "the merge wrote no summary.csv" >&2; exit 1; }

echo "== comparing the merged output with the one-machine sweep"
status=0
# JSON files carry timing fields (wall time, events per second) and the command line; everything
# else must match as is.
strip='walk(if type == "object" then del(.wall_s, .events_per_s, .peak_rss_mb, .command_line) else . end)'
while IFS= read -r f; do
  rel=${f#"$work/single/"}
  other="$OUT/$rel"
  if [ ! -e "$other" ]; then echo "missing in merged: $rel"; status=1; continue; fi
  case "$f" in
    *.json) cmp -s <(jq -S "$strip" "$f") <(jq -S "$strip" "$other") || { echo "differs: $rel"; status=1; } ;;
    # The report's provenance row names the command that wrote it (sweep or merge).
    *.html) cmp -s <(grep -v '>command line</td>' "$f") <(grep -v '>command line</td>' "$other") || { echo "differs: $rel"; status=1; } ;;
    *) cmp -s "$f" "$other" || { echo "differs: $rel"; status=1; } ;;
  esac
done < <(find "$work/single" -type f ! -name '.sim-output')
n=$(find "$work/single" -type f ! -name '.sim-output' | wc -l)
[ $status = 0 ] && echo "identical: $n files (timing fields aside)"
exit $status
