#!/usr/bin/env bash
# Measures every figure README.md quotes by running the commands it quotes (the hot-stream sweep
# over 32 assumption sets included: a few minutes) and writes them to docs/readme-figures.json.
# tests/it/experiments.rs checks the README against that file, and measures the cheap ones again.
# Usage: scripts/readme-figures.sh   (from the repository root), then fix what the test names.
set -euo pipefail
cd "$(dirname "$0")/.."
SIM_README_FIGURES=write cargo test --release --test it \
  experiments::the_readme_quotes_the_committed_figures_as_measured -- --exact
git diff --stat docs/readme-figures.json
