#!/usr/bin/env bash
# Submits a sweep as an AWS Batch array job of PARTITIONS children (sim reads its index from
# AWS_BATCH_JOB_ARRAY_INDEX and the count from AWS_BATCH_JOB_ARRAY_SIZE: `--partition auto`) and a
# merge job that depends on the whole array.
# Register the definitions once: aws batch register-job-definition --cli-input-json file://deploy/aws-batch/job-definition.json
# (and merge-job-definition.json). Usage: [ASSUMPTIONS=N] deploy/aws-batch/submit.sh JOB_QUEUE PARTITIONS [EXPERIMENT]
# ASSUMPTIONS=N makes it an assumption study over N sets (4 to 4096): both jobs get the parameter
# assumptions=N, i.e. `--assumptions N` (the definitions' default 0: a plain sweep).
set -euo pipefail
[ $# -ge 2 ] || { sed -n '5,8p' "$0"; exit 2; }
queue=$1 partitions=$2 experiment=${3:-experiments/hot-stream.toml}
name=$(basename "$experiment" .toml)
assumptions=${ASSUMPTIONS:-0}
array=$(aws batch submit-job --job-name "sim-$name" --job-queue "$queue" --job-definition sim-sweep \
  --array-properties "size=$partitions" \
  --parameters "experiment=$experiment,journal=/journal/$name,assumptions=$assumptions" \
  --query jobId --output text)
merge=$(aws batch submit-job --job-name "sim-$name-merge" --job-queue "$queue" --job-definition sim-merge \
  --depends-on "jobId=$array" \
  --parameters "experiment=$experiment,journal=/journal/$name,out=/journal/output/$name,assumptions=$assumptions" \
  --query jobId --output text)
echo "array job: $array ($partitions children); merge job: $merge (after the whole array)"
