#!/usr/bin/env bash
# How precise a band study's band edges and sensitivity effects are under two designs, measured
# the direct way: run the same study under K experiment seeds (each seed draws other assumption
# sets and other run seeds) and see how far each number moves from seed to seed.
#
#   scripts/band-precision.sh                 both designs, K = 6 seeds, a fifth of the hot-stream
#                                             study (1, 5, 15, 23 and 30 subscribers)
#   scripts/band-precision.sh --format DIR    the tables from study folders already in DIR
#
# Design A runs every assumption set with the experiment's replicates (2 for hot-stream: what
# `--set-replicates` did not exist to change before); design B runs each set once
# (`--set-replicates 1`, the default). For every point, band metric and edge (5th, 50th, 95th
# percentile across sets) the script takes the standard deviation across the K seeds, then the
# root mean square of those over the points; for the total effects likewise over every point,
# metric and assumption, and the mean width of the 95% bootstrap interval sim states beside each.
# A ratio B/A near 1 says the designs are equally precise; the ratio's own noise with K seeds is
# about ±1/sqrt(2(K-1)) (±32% at K = 6), so read the pooled rows.
#
# Environment: SIM (the binary; default: a release build made here), PRECISION_SEEDS (K),
# PRECISION_SETS (assumption sets, default 32), PRECISION_VALUES (subscriber values, default
# "1, 5, 15, 23, 30"). Needs bash, coreutils and awk.
set -euo pipefail
cd "$(dirname "$0")/.."

K=${PRECISION_SEEDS:-6}
SETS=${PRECISION_SETS:-32}
VALUES=${PRECISION_VALUES:-1, 5, 15, 23, 30}
WORK=target/band-precision
METRICS="iterator_age_avg_ms iterator_age_max_ms iterator_age_p99_ms throttled_reads_per_min delivery_latency_ms latency_p99_ms"

# Every awk program below starts here: a file's design (A or B, from its folder's name) and its
# columns by name.
HEADER='
    FNR == 1 {
      split(FILENAME, parts, "/"); design = substr(parts[length(parts) - 1], 1, 1)
      for (i = 1; i <= NF; i++) col[$i] = i
      next
    }'

format() {
  local dir=$1
  echo "Band edges: standard deviation across $(ls -d "$dir"/A-* | wc -l) seeds, root mean square over points"
  echo
  echo "| Metric | Edge | SD, design A | SD, design B | B / A | Edge B / edge A (median over points) |"
  echo "| --- | --- | --- | --- | --- | --- |"
  awk -F, -v metrics="$METRICS" "$HEADER"'
    {
      n = split(metrics, ms, " ")
      for (j = 1; j <= n; j++) for (e = 1; e <= 3; e++) {
        edge = (e == 1 ? "p5" : e == 2 ? "p50" : "p95")
        c = col[ms[j] "_band_" edge]
        if (!c) continue
        k = design SUBSEP ms[j] SUBSEP edge SUBSEP $(col["point"])
        s[k] += $c; ss[k] += $c * $c; cnt[k]++
        pts[ms[j] SUBSEP edge SUBSEP $(col["point"])] = 1
      }
    }
    function sd(k) { m = s[k] / cnt[k]; v = (ss[k] - cnt[k] * m * m) / (cnt[k] - 1); return v > 0 ? sqrt(v) : 0 }
    END {
      n = split(metrics, ms, " ")
      for (j = 1; j <= n; j++) for (e = 1; e <= 3; e++) {
        edge = (e == 1 ? "p5" : e == 2 ? "p50" : "p95")
        a = 0; b = 0; np = 0; nr = 0
        for (key in pts) {
          split(key, f, SUBSEP)
          if (f[1] != ms[j] || f[2] != edge) continue
          ka = "A" SUBSEP key; kb = "B" SUBSEP key
          if (cnt[ka] < 2 || cnt[kb] < 2) continue
          a += sd(ka)^2; b += sd(kb)^2; np++
          if (s[ka] > 0) ratio[++nr] = (s[kb] / cnt[kb]) / (s[ka] / cnt[ka])
        }
        if (np == 0) continue
        a = sqrt(a / np); b = sqrt(b / np)
        # The median of the points ratios of mean edges (insertion sort: a handful of points).
        for (x = 2; x <= nr; x++) { v = ratio[x]; for (y = x - 1; y >= 1 && ratio[y] > v; y--) ratio[y + 1] = ratio[y]; ratio[y + 1] = v }
        med = nr == 0 ? "-" : sprintf("%.2f", nr % 2 ? ratio[(nr + 1) / 2] : (ratio[nr / 2] + ratio[nr / 2 + 1]) / 2)
        printf "| %s | %s | %.4g | %.4g | %s | %s |\n", ms[j], edge, a, b, (a > 0 ? sprintf("%.2f", b / a) : "-"), med
        if (a > 0 && b > 0) { logsum += log(b / a); rows++ }
      }
      if (rows) printf "| all rows | | | | %.2f (geometric mean) | |\n", exp(logsum / rows)
    }' "$dir"/[AB]-*/summary.csv
  echo
  echo "Total effects: standard deviation across seeds (root mean square over points, metrics and"
  echo "assumptions) and the mean width of the 95% bootstrap interval sim states"
  echo
  echo "| Metric | SD A | SD B | B / A | Interval A | Interval B | B / A |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  awk -F, -v metrics="$METRICS" "$HEADER"'
    {
      m = $(col["metric"])
      if (index(" " metrics " ", " " m " ") == 0) next
      k = design SUBSEP m SUBSEP $(col["point"]) SUBSEP $(col["assumption"])
      x = $(col["total_effect"])
      s[k] += x; ss[k] += x * x; cnt[k]++
      w[design SUBSEP m] += $(col["total_effect_hi"]) - $(col["total_effect_lo"]); nw[design SUBSEP m]++
      keys[m SUBSEP $(col["point"]) SUBSEP $(col["assumption"])] = 1
    }
    function sd(k) { mu = s[k] / cnt[k]; v = (ss[k] - cnt[k] * mu * mu) / (cnt[k] - 1); return v > 0 ? sqrt(v) : 0 }
    END {
      n = split(metrics, ms, " ")
      for (j = 1; j <= n; j++) {
        a = 0; b = 0; np = 0
        for (key in keys) {
          split(key, f, SUBSEP)
          if (f[1] != ms[j]) continue
          ka = "A" SUBSEP key; kb = "B" SUBSEP key
          if (cnt[ka] < 2 || cnt[kb] < 2) continue
          a += sd(ka)^2; b += sd(kb)^2; np++
        }
        if (np == 0) continue
        a = sqrt(a / np); b = sqrt(b / np)
        wa = w["A" SUBSEP ms[j]] / nw["A" SUBSEP ms[j]]; wb = w["B" SUBSEP ms[j]] / nw["B" SUBSEP ms[j]]
        printf "| %s | %.3f | %.3f | %s | %.3f | %.3f | %.2f |\n", ms[j], a, b, (a > 0 ? sprintf("%.2f", b / a) : "-"), wa, wb, wb / wa
        if (a > 0 && b > 0) { logsum += log(b / a); lw += log(wb / wa); rows++ }
      }
      if (rows) printf "| all metrics | | | %.2f (geometric mean) | | | %.2f |\n", exp(logsum / rows), exp(lw / rows)
    }' "$dir"/[AB]-*/sensitivity.csv
}

if [[ ${1:-} == --format ]]; then
  format "$2"
  exit 0
fi

if [[ -z ${SIM:-} ]]; then
  cargo build --release --quiet
  SIM=target/release/sim
fi
mkdir -p "$WORK"
for k in $(seq 1 "$K"); do
  sed -e "s|^values = \"1..=30\"|values = [$VALUES]|" -e "s|^seed = 1$|seed = $k|" \
    experiments/hot-stream.toml >"$WORK/hot-stream-$k.toml"
  # The model paths are relative to the experiment file: point them back at models/.
  sed -i 's|"\.\./models/|"../../models/|g' "$WORK/hot-stream-$k.toml"
  for design in A B; do
    out="$WORK/$design-$k"
    [[ -f $out/sensitivity.csv ]] && continue
    if [[ $design == A ]]; then reps=2; else reps=1; fi
    echo "seed $k, design $design" >&2
    "$SIM" sweep "$WORK/hot-stream-$k.toml" --assumptions "$SETS" --set-replicates "$reps" \
      --out "$out" --quiet >/dev/null
  done
done
format "$WORK"
