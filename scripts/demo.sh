#!/usr/bin/env bash
# The demo: an in-memory cluster of candidates, a leader crash and a graceful handover, as a timeline.
# Installs what it needs (Node 24, pnpm, dependencies) on first use. Extra arguments go to the demo
# (--candidates N, --seed S).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
leasehold_setup
cd "$leasehold_root"
exec node --conditions=source examples/demo/failover.ts "$@"
