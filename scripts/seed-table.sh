#!/usr/bin/env bash
# Regenerates the seed table of docs/calibration.md: each figure of the two blog posts and the
# Kinesis developer guide against sim's median and 5-95% band over the assumption catalogue.
#
#   scripts/seed-table.sh                  run the band studies (a few minutes on 2 cores) and
#                                          rewrite the table between its markers
#   scripts/seed-table.sh --fingerprint    print the fingerprint of the inputs (the catalogue, the
#                                          experiments and models the studies run, this script)
#   scripts/seed-table.sh --format DIR     print the table from study folders already in DIR
#                                          (DIR/hot, DIR/power, DIR/prop, DIR/efo), running nothing
#
# Environment: SIM (the binary; default: a release build made here), SEED_SETS (assumption sets per
# point, default 32), SEED_JOBS (worker threads, default: one per core).
# tests/it/seed_table.rs checks that the fingerprint in docs/calibration.md is the inputs' and
# formats a fixture with --format. Only bash, coreutils and awk are needed (no python).
set -euo pipefail
cd "$(dirname "$0")/.."

SETS=${SEED_SETS:-32}
JOBS=${SEED_JOBS:-0}
HOT_DURATION=20m
POWER_DURATION=12h
PROP_DURATION=30m
DOC=docs/calibration.md
BEGIN='<!-- seed-table begin'
END='<!-- seed-table end -->'

# The inputs whose change makes the committed table stale.
INPUTS=(
  assumptions.toml
  experiments/hot-stream.toml experiments/power-api.toml experiments/propagation.toml
  models/kinesis-standard.toml models/dynamodb-streams.toml
  models/dynamodb-fanout-function.toml models/power-api-kinesis.toml models/kinesis-pollers.toml
  scripts/seed-table.sh
)

fingerprint() {
  # Line endings are normalised so that a checkout with CRLF gives the same print.
  local f
  for f in "${INPUTS[@]}"; do
    printf '%s\n' "$f"
    tr -d '\r' <"$f"
  done | sha256sum | cut -c1-16
}

# The figures: id | study | point (column=value;...) | metric | kind | low | high | what the source
# says. kind: range (the figure is low to high: "about X" is read as X +/- 25%), above (more than
# low), knee (the largest subscriber count with no throttled reads, low to high).
SEEDS='
hot|-|knee|knee|4|5|Hot streams: throttled reads from about five subscribers (the knee: largest count with none)
hot|subscribers=30|throttled_reads_per_min|above|0||Hot streams, 30 subscribers: throttled reads, growing linearly with subscribers
hot|subscribers=30|iterator_age_max_ms|above|10000||Hot streams, 30 subscribers: IteratorAge spikes above 10 s
power|model=dynamodb-streams|iterator_age_worst_minute_avg_ms|above|50000||Power API, DynamoDB Streams, 4 readers: Average frequently above 50 s
power|model=dynamodb-streams|iterator_age_max_ms|range|60000|70000|Power API, DynamoDB Streams, 4 readers: Maximum 60-70 s
power|model=dynamodb-fanout-function|iterator_age_worst_minute_avg_ms|above|4000||Power API, fan-out function: Average mostly below 4 s, occasionally above
power|model=dynamodb-fanout-function|iterator_age_max_ms|range|30000|50000|Power API, fan-out function: Maximum about 40 s
power|model=power-api-kinesis|iterator_age_worst_minute_avg_ms|range|1500|2500|Power API, Kinesis 3 EFO + 1 shared: Average at worst 2 s
power|model=power-api-kinesis|iterator_age_max_ms|range|22500|37500|Power API, Kinesis 3 EFO + 1 shared: Maximum about 30 s
prop|consumers=1|delivery_latency_ms|range|150|250|Developer guide: propagation, 1 standard consumer, about 200 ms
prop|consumers=5|delivery_latency_ms|range|750|1250|Developer guide: propagation, 5 standard consumers, about 1,000 ms
efo|consumers=1|delivery_latency_ms|range|52.5|87.5|Developer guide: propagation, enhanced fan-out, 1 consumer, about 70 ms
efo|consumers=5|delivery_latency_ms|range|52.5|87.5|Developer guide: propagation, enhanced fan-out, 5 consumers, about 70 ms
'

# The table from DIR/hot (a `sim plan --out` folder), DIR/power, DIR/prop and DIR/efo (`sim sweep`
# folders).
format_table() {
  local dir=$1 line study point metric kind lo hi says
  printf '| figure | source says | sim, catalogue defaults | sim, median over the catalogue | sim, 5-95%% band | inside the band? |\n'
  printf '|---|---|---|---|---|---|\n'
  while IFS='|' read -r study point metric kind lo hi says; do
    [ -n "$study" ] || continue
    if [ "$kind" = knee ]; then
      knee_row "$dir/$study/plan.json" "$lo" "$hi" "$says"
    else
      awk -F, -v point="$point" -v metric="$metric" -v kind="$kind" -v lo="$lo" -v hi="$hi" \
        -v says="$says" -f <(row_awk) "$dir/$study/summary.csv"
    fi
  done <<<"$SEEDS"
}

row_awk() {
  cat <<'AWK'
function show(v) {
  if (metric ~ /_ms$/ && v >= 10000) return sprintf("%.0f s", v / 1000)
  if (metric ~ /_ms$/ && v >= 1000) return sprintf("%.1f s", v / 1000)
  if (metric ~ /_ms$/) return sprintf("%.0f ms", v)
  if (metric ~ /_per_min$/) return sprintf("%.0f/min", v)
  return sprintf("%g", v)
}
function figure() {
  if (kind == "above") return "> " show(lo)
  if (lo == hi) return show(lo)
  return show(lo) " to " show(hi)
}
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
  n = split(point, conds, ";")
  ok = 1
  for (c = 1; c <= n; c++) {
    split(conds[c], kv, "=")
    if (!(kv[1] in col) || $(col[kv[1]]) != kv[2]) ok = 0
  }
  if (!ok) next
  found = 1
  plain = $(col[metric]); p5 = $(col[metric "_band_p5"])
  p50 = $(col[metric "_band_p50"]); p95 = $(col[metric "_band_p95"])
  if (kind == "above") inside = (p95 + 0 > lo + 0)
  else inside = (p95 + 0 >= lo + 0 && p5 + 0 <= hi + 0)
  printf "| %s | %s | %s | %s | %s to %s | %s |\n", says, figure(), show(plain), show(p50), \
    show(p5), show(p95), inside ? "yes" : "**no**"
}
END { if (!found) { printf "seed-table: no point %s in the summary\n", point > "/dev/stderr"; exit 1 } }
AWK
}

# The knee: per set, the largest count with no throttled reads. From the share of sets meeting
# "throttled_reads_per_min <= 0" at each count, the q-quantile is the largest count met by at least
# 1 - q of the sets (every set meeting a count also meets the smaller ones).
knee_row() {
  local plan=$1 lo=$2 hi=$3 says=$4
  tr -d ' \n\r' <"$plan" | awk -v lo="$lo" -v hi="$hi" -v says="$says" -v file="$plan" '
    function q(min,   i, best) {
      best = 0
      for (i = 1; i <= n; i++) if (share[counts[i]] >= min && counts[i] > best) best = counts[i]
      return best
    }
    {
      plain = 0
      if (match($0, /"largest_count":"[0-9]+"/)) {
        plain = substr($0, RSTART + 17, RLENGTH - 18)
      }
      if (!match($0, /"meets_share":\{[^}]*\}/)) {
        print "seed-table: no meets_share in " file > "/dev/stderr"; exit 1
      }
      body = substr($0, RSTART + 15, RLENGTH - 16)
      m = split(body, pairs, ",")
      for (i = 1; i <= m; i++) {
        split(pairs[i], kv, ":")
        gsub(/"/, "", kv[1])
        share[kv[1] + 0] = kv[2] + 0
        counts[++n] = kv[1] + 0
      }
      p5 = q(0.95); p50 = q(0.5); p95 = q(0.05)
      inside = (p95 >= lo && p5 <= hi)
      printf "| %s | %s to %s | %s | %s | %s to %s | %s |\n", says, lo, hi, plain, p50, p5, p95, \
        inside ? "yes" : "**no**"
    }'
}

# The studies: the shipped experiments cut to the points the figures need (one replicate), each point
# run at the catalogue's defaults and under SETS assumption sets.
write_experiments() {
  local dir=$1 root=$PWD
  cat >"$dir/hot.toml" <<EOF
name = "seed-hot-stream"
description = "experiments/hot-stream.toml, standard reads, for the seed table"
model = "$root/models/kinesis-standard.toml"
duration = "$HOT_DURATION"
warmup = "2m"
replicates = 1
seed = 1
[set]
"producers.orders.rate" = 100.0
[[axes]]
path = "consumers.fn.count"
label = "subscribers"
values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 30]
EOF
  cat >"$dir/power.toml" <<EOF
name = "seed-power-api"
description = "experiments/power-api.toml, for the seed table"
model = "$root/models/dynamodb-streams.toml"
duration = "$POWER_DURATION"
warmup = "10m"
replicates = 1
seed = 7
[[axes]]
path = "model"
values = [
  "$root/models/dynamodb-streams.toml",
  "$root/models/dynamodb-fanout-function.toml",
  "$root/models/power-api-kinesis.toml",
]
EOF
  # The read mode is fixed per study rather than an axis: assumptions are expanded over the
  # experiment's model with its [set], so only then are the EFO ones varied for EFO readers.
  local read
  for read in shared efo; do
    cat >"$dir/prop-$read.toml" <<EOF
name = "seed-propagation-$read"
description = "experiments/propagation.toml, $read reads, for the seed table"
model = "$root/models/kinesis-pollers.toml"
duration = "$PROP_DURATION"
warmup = "2m"
replicates = 1
seed = 3
[set]
"consumers.app.read" = "$read"
[[axes]]
path = "consumers.app.count"
label = "consumers"
values = [1, 5]
EOF
  done
}

header() {
  local print=$1
  cat <<EOF
$BEGIN fingerprint=$print; regenerate with: scripts/seed-table.sh -->
Measured by \`scripts/seed-table.sh\` (rerun it after changing the catalogue, these experiments or
their models: one command, a few minutes on 2 cores; a test fails while this table is stale).
Each point ran once at the catalogue's defaults and under $SETS assumption sets (a Latin hypercube
over every range of \`sim assumptions\`, \`sim sweep --assumptions $SETS\`), one replicate, with the
experiments cut to the points the figures need: hot-stream $HOT_DURATION per run (standard reads,
1-10, 15, 20 and 30 subscribers), power-api $POWER_DURATION, propagation $PROP_DURATION (1 and 5
consumers; standard and enhanced fan-out as two studies, so that each varies its own assumptions). "About X" is
read as X +/- 25%; a figure is inside when it overlaps the 5-95% band (for "above X": when the band's
95th percentile is above X). The knee's band is over the sets' knees.

EOF
}

case "${1:-}" in
  --fingerprint)
    fingerprint
    exit 0
    ;;
  --format)
    [ $# -eq 2 ] || { echo "usage: $0 --format DIR" >&2; exit 2; }
    format_table "$2"
    exit 0
    ;;
  "") ;;
  *)
    echo "usage: $0 [--fingerprint | --format DIR]" >&2
    exit 2
    ;;
esac

grep -q "^$BEGIN" "$DOC" && grep -q "^$END" "$DOC" || {
  echo "seed-table: $DOC lacks the markers \`$BEGIN ... -->\` and \`$END\`" >&2
  exit 2
}
if [ -z "${SIM:-}" ]; then
  cargo build --release --quiet
  SIM=target/release/sim
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
write_experiments "$work"
start=$(date +%s)
"$SIM" plan "$work/hot.toml" --slo "throttled_reads_per_min <= 0" --assumptions "$SETS" \
  -j "$JOBS" --out "$work/hot" >/dev/null
"$SIM" sweep "$work/power.toml" --assumptions "$SETS" -j "$JOBS" -q --out "$work/power" >/dev/null
"$SIM" sweep "$work/prop-shared.toml" --assumptions "$SETS" -j "$JOBS" -q --out "$work/prop" >/dev/null
"$SIM" sweep "$work/prop-efo.toml" --assumptions "$SETS" -j "$JOBS" -q --out "$work/efo" >/dev/null
{
  header "$(fingerprint)"
  format_table "$work"
} >"$work/table.md"
awk -v table="$work/table.md" -v begin="$BEGIN" -v end="$END" '
  index($0, begin) == 1 { while ((getline line < table) > 0) print line; skip = 1; next }
  index($0, end) == 1 { skip = 0 }
  !skip { print }' "$DOC" >"$work/doc.md"
cat "$work/doc.md" >"$DOC"
echo "seed-table: wrote $DOC in $(( $(date +%s) - start )) s"
