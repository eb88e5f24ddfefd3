#!/usr/bin/env bash
# Runs a scenario the way deploy/kubernetes runs it, on this machine:
#
#   deploy/local-indexed-job.sh N SCENARIO
#
# N shard processes at once, each with JOB_COMPLETION_INDEX set as a
# Kubernetes Indexed Job sets it, each running the shard command read from
# deploy/kubernetes/leadsim-shards.yaml (its scenario, shard count and
# results folder replaced by these; its --replications by REPLICATIONS, or
# dropped so the scenario's own count runs); then the merge. The output, in
# output/<scenario name>/ (or OUT), is byte-identical to
# `leadsim run SCENARIO`. LEADSIM names the binary (default: `leadsim` on
# PATH, else this checkout's release build, built if needed).
set -euo pipefail
usage="usage: deploy/local-indexed-job.sh N SCENARIO"
N=${1:?$usage}
SCENARIO=${2:?$usage}
case "$N" in '' | *[!0-9]* | 0) echo "$usage (N a positive whole number)" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")/.." && pwd)
manifest="$here/deploy/kubernetes/leadsim-shards.yaml"
. "$here/deploy/find-leadsim.sh"
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT

# The container's command: the folded `args` block under `- >-`.
read -r -a manifest_command <<<"$(awk '/- >-/ { inside = 1; next }
  inside && /^ *[a-zA-Z]+:/ { exit }
  inside { sub(/^ +/, ""); printf "%s ", $0 }' "$manifest")"
command=()
previous=""
for token in "${manifest_command[@]}"; do
  case "$previous" in
    run) token=$(printf '%q' "$SCENARIO") ;;
    --replications)
      if [ -n "${REPLICATIONS:-}" ]; then token=$REPLICATIONS; else unset 'command[-1]'; previous=""; continue; fi ;;
    --out) token=$(printf '%q' "$RESULTS") ;;
  esac
  case "$token" in
    leadsim) token=$(printf '%q' "$LEADSIM") ;;
    '${JOB_COMPLETION_INDEX}/'*) token="\${JOB_COMPLETION_INDEX}/$N" ;;
  esac
  command+=("$token")
  previous=$token
done

pids=()
for ((i = 0; i < N; i++)); do
  JOB_COMPLETION_INDEX=$i sh -c "${command[*]}" &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid"
done
"$LEADSIM" merge "$RESULTS"/part-*-of-"$N".json --scenario "$SCENARIO" ${OUT:+--out "$OUT"} --quiet
