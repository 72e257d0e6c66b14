#!/usr/bin/env bash
# Benchmarks (not tests): API-server load and failover speed of Leasehold, client-go and kubernetes_asyncio
# on the real control plane. Installs and builds what it needs, like the test command. Options go to
# bench/peer-comparison.ts (--load-seconds N, --kills N, --only IMPL[,IMPL], --hold S, --skip-load); with --soak
# first, to bench/outage-soak.ts instead (--minutes N, --seed S, --kind lease|configmap, --snapshots M[,M|last],
# --node-flags F):
# repeated outages, with heap snapshots of a long-lived candidate (default minute 5 and the last); with
# --scale first, to bench/scale.ts (--elections N, --kind lease|memory, --seconds N): many elections in one
# process (--scale --compare [--contend DUTY] [--memory-limit MIB]: beside client-go); with --herd first, to bench/herd.ts (--candidates N, --rounds N, --expiries N): many candidates
# on one Lease, counting the followers' requests around each takeover; with --simulator first, to
# bench/simulator.ts (--runs N): the simulator's throughput.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
leasehold_setup
cd "$leasehold_root"
bash tools/kube/build.sh >/dev/null
bash tools/interop/build.sh >/dev/null
if [ "${1:-}" = "--scale" ]; then
  shift
  exec node --conditions=source bench/scale.ts "$@"
fi
if [ "${1:-}" = "--simulator" ]; then
  shift
  exec node --conditions=source bench/simulator.ts "$@"
fi
if [ "${1:-}" = "--herd" ]; then
  shift
  exec node --conditions=source bench/herd.ts "$@"
fi
if [ "${1:-}" = "--soak" ]; then
  exec node --conditions=source bench/outage-soak.ts "$@"
fi
exec node --conditions=source bench/peer-comparison.ts "$@"
