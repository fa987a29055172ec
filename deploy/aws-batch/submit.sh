#!/usr/bin/env bash
# Submits a sweep as an AWS Batch array job of SHARDS children (sim reads its index from
# AWS_BATCH_JOB_ARRAY_INDEX and the count from AWS_BATCH_JOB_ARRAY_SIZE: `--shard auto`) and a
# merge job that depends on the whole array.
# Register the definitions once: aws batch register-job-definition --cli-input-json file://deploy/aws-batch/job-definition.json
# (and merge-job-definition.json). Usage: deploy/aws-batch/submit.sh JOB_QUEUE SHARDS [EXPERIMENT]
set -euo pipefail
[ $# -ge 2 ] || { sed -n '5,6p' "$0"; exit 2; }
queue=$1 shards=$2 experiment=${3:-experiments/hot-stream.toml}
name=$(basename "$experiment" .toml)
array=$(aws batch submit-job --job-name "sim-$name" --job-queue "$queue" --job-definition sim-sweep \
  --array-properties "size=$shards" \
  --parameters "experiment=$experiment,journal=/journal/$name" \
  --query jobId --output text)
merge=$(aws batch submit-job --job-name "sim-$name-merge" --job-queue "$queue" --job-definition sim-merge \
  --depends-on "jobId=$array" \
  --parameters "experiment=$experiment,journal=/journal/$name,out=/journal/output/$name" \
  --query jobId --output text)
echo "array job: $array ($shards children); merge job: $merge (after the whole array)"
