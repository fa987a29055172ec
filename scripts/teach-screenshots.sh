#!/usr/bin/env bash
# Regenerates the README's pictures of the teaching page (docs/img/teach-2-readers.png,
# docs/img/teach-3-readers.png) with the browser check itself: `sim teach` writes the page, a
# small sweep writes a report, and tests/browser/check.mjs drives both in headless Chromium and
# saves its screenshots. Needs node, playwright-core (installed here with npm ci) and
# chromium-headless-shell or chromium. Usage: scripts/teach-screenshots.sh (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
sim=target/release/sim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ -d tests/browser/node_modules/playwright-core ] || (cd tests/browser && npm ci --no-audit --no-fund)
$sim teach --out "$out/teach" >/dev/null
$sim sweep tests/browser/explore.toml --quiet --out "$out/sweep" >/dev/null
mkdir -p "$out/shots"
(cd tests/browser && node check.mjs "$out/teach/teach.html" "$out/sweep/report.html" "$out/shots")
cp "$out/shots/teach-2-readers.png" docs/img/teach-2-readers.png
cp "$out/shots/teach-3-readers.png" docs/img/teach-3-readers.png
cp "$out/shots/report-explore.png" docs/img/report-explore.png
echo "updated docs/img/teach-2-readers.png, teach-3-readers.png, report-explore.png"
