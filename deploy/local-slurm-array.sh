#!/usr/bin/env bash
# Runs a scenario the way deploy/slurm runs it, on this machine:
#
#   deploy/local-slurm-array.sh N SCENARIO
#
# Runs deploy/slurm/leadsim-shards.sbatch itself N times at once, each with
# SLURM_ARRAY_TASK_ID set as a job array sets it (and SHARDS=N, SCENARIO,
# REPLICATIONS from the environment or the scenario's own count), then
# leadsim-merge.sbatch. The output, in output/<scenario name>/ (or OUT), is
# byte-identical to `leadsim run SCENARIO`. LEADSIM names the binary
# (default: `leadsim` on PATH, else this checkout's release build).
set -euo pipefail
usage="usage: deploy/local-slurm-array.sh N SCENARIO"
N=${1:?$usage}
SCENARIO=${2:?$usage}
case "$N" in '' | *[!0-9]* | 0) echo "$usage (N a positive whole number)" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/deploy/find-leadsim.sh"
bin=$(mktemp -d)
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS" "$bin"' EXIT
# The sbatch scripts call `leadsim` from PATH.
ln -s "$(cd "$(dirname "$LEADSIM")" && pwd)/$(basename "$LEADSIM")" "$bin/leadsim"
export PATH="$bin:$PATH" SHARDS=$N SCENARIO RESULTS REPLICATIONS=${REPLICATIONS:-}
pids=()
for ((i = 0; i < N; i++)); do
  SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=1 bash "$here/deploy/slurm/leadsim-shards.sbatch" &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid"
done
bash "$here/deploy/slurm/leadsim-merge.sbatch"
