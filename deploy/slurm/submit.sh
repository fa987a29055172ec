#!/usr/bin/env bash
# Submits a sweep as a Slurm job array of PARTITIONS tasks (one partition of the runs each) and a merge job that waits for all of them.
# Usage: deploy/slurm/submit.sh EXPERIMENT.toml PARTITIONS [extra sbatch options...]
# Environment: SIM (the sim binary, default: sim on PATH), JOURNAL (default journal/NAME),
# OUT (default output/NAME), ASSUMPTIONS (N: an assumption study over N sets; the merge gets it
# too and refuses a journal of another design). Prints the two job ids.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '3,6p' "$0"; exit 2; }
experiment=$1 partitions=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
export EXPERIMENT=$experiment
array=$(sbatch --parsable --array="0-$((partitions - 1))" --export=ALL "$@" "$here/sweep-array.sbatch")
merge=$(sbatch --parsable --dependency="afterok:${array}" --export=ALL "$@" "$here/merge.sbatch")
echo "array job: $array ($partitions tasks); merge job: $merge (after every task succeeds)"
