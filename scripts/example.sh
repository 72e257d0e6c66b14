#!/usr/bin/env bash
# Runs one Kubernetes example (basic, ha-controller, multi-component, custom-lock, graceful-shutdown, fencing,
# nestjs, express, fastify) against
# $KUBECONFIG, or, when it is not set, against the project's test control plane started for the run.
# Installs what it needs (Node 24, pnpm, dependencies) on first use. Options after the name go to the example.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
leasehold_setup
cd "$leasehold_root"
exec node --conditions=source examples/run.ts "$@"
