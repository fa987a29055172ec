#!/usr/bin/env bash
# Runs the Indexed Job, waits until every index has succeeded, then runs the merge Job.
# Usage: deploy/kubernetes/submit.sh [kubectl options, e.g. -n NAMESPACE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kubectl "$@" apply -f "$here/sweep-job.yaml"
kubectl "$@" wait --for=condition=complete --timeout=24h job/sim-sweep
kubectl "$@" apply -f "$here/merge-job.yaml"
kubectl "$@" wait --for=condition=complete --timeout=1h job/sim-merge
kubectl "$@" logs job/sim-merge
