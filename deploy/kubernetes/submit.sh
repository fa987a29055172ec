#!/usr/bin/env bash
# Runs the Indexed Job, waits until every index has succeeded, then runs the merge Job.
# Usage: [ASSUMPTIONS=N] deploy/kubernetes/submit.sh [kubectl options, e.g. -n NAMESPACE]
# ASSUMPTIONS=N makes it an assumption study over N sets (4 to 4096): it is written into the
# ASSUMPTIONS variable of both Jobs as they are applied (default 0: a plain sweep).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
assumptions=${ASSUMPTIONS:-0}
case $assumptions in
  *[!0-9]*) echo "ASSUMPTIONS=$assumptions: expected a number of assumption sets" >&2; exit 2 ;;
esac
# The manifest as applied: the file with its ASSUMPTIONS variable set.
manifest() {
  sed "s/{ name: ASSUMPTIONS, value: \"[0-9]*\" }/{ name: ASSUMPTIONS, value: \"$assumptions\" }/" \
    "$here/$1"
}
manifest sweep-job.yaml | kubectl "$@" apply -f -
kubectl "$@" wait --for=condition=complete --timeout=24h job/sim-sweep
manifest merge-job.yaml | kubectl "$@" apply -f -
kubectl "$@" wait --for=condition=complete --timeout=1h job/sim-merge
kubectl "$@" logs job/sim-merge
