#!/usr/bin/env bash
# Regenerates the pictures README.md shows (docs/img/) from the shipped experiments.
# Usage: scripts/update-docs-images.sh   (from the repository root; a few minutes, most of it the 32 assumption sets)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
sim=target/release/sim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

$sim sweep experiments/hot-stream.toml --quiet --out "$out/hot-stream" >/dev/null
$sim sweep experiments/power-api.toml --quiet --out "$out/power-api" >/dev/null
$sim sweep experiments/two-reader-rule.toml --quiet --out "$out/two-reader-rule" >/dev/null
$sim sweep experiments/propagation.toml --quiet --out "$out/propagation" >/dev/null
$sim sweep experiments/reader-streams.toml --quiet --out "$out/reader-streams" >/dev/null
$sim sweep experiments/power-api-cost.toml --quiet --out "$out/power-api-cost" >/dev/null
$sim sweep experiments/hot-stream.toml --assumptions 32 --quiet --out "$out/hot-stream-bands" >/dev/null
$sim timeline models/dynamodb-readers.toml --set consumers.fn.count=3 --at 5m --window 10s --out "$out/timeline" >/dev/null

cp "$out/hot-stream/iterator-age-avg.png" docs/img/hot-stream-iterator-age-avg.png
cp "$out/hot-stream/iterator-age-max.png" docs/img/hot-stream-iterator-age-max.png
cp "$out/hot-stream/throttled-reads.png" docs/img/hot-stream-throttled-reads.png
cp "$out/hot-stream-bands/iterator-age-max.png" docs/img/hot-stream-bands-iterator-age-max.png
cp "$out/power-api/iterator-age-worst-minute.png" docs/img/power-api-worst-minute.png
cp "$out/power-api/iterator-age-max.png" docs/img/power-api-max.png
cp "$out/power-api/timeseries/point-000_model=dynamodb-streams.png" docs/img/power-api-dynamodb-per-minute.png
cp "$out/two-reader-rule/throttled-reads.png" docs/img/two-reader-rule-throttles.png
cp "$out/propagation/delivery-latency.png" docs/img/propagation-delay.png
cp "$out/timeline/timeline.png" docs/img/two-reader-timeline.png
cp "$out/reader-streams/cost-vs-iterator-age.png" docs/img/reader-streams-cost.png
cp "$out/power-api-cost/cost-vs-iterator-age.png" docs/img/power-api-cost.png
# The report's first screen, as a browser shows it (needs chromium-headless-shell or chromium).
browser=$(command -v chromium-headless-shell || command -v chromium || command -v google-chrome || true)
if [ -n "$browser" ]; then
  "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --no-first-run --user-data-dir="$out/profile" \
    --window-size=1280,1400 --screenshot="$PWD/docs/img/report.png" \
    "file://$out/two-reader-rule/report.html" 2>/dev/null
else
  echo "no headless Chromium: docs/img/report.png not updated" >&2
fi
# The teaching page at two and three readers, and the report's explorer (needs node and npm too).
if command -v node >/dev/null 2>&1 && [ -n "$browser" ]; then
  scripts/teach-screenshots.sh
else
  echo "no node or headless Chromium: docs/img/teach-*.png not updated" >&2
fi
echo "updated docs/img/"
