/**
 * HA controller: several replicas of a controller, one active, operated as in production. A Lease (or a
 * ConfigMap) elects the active one; its reconcile loop (here: list the pods matching a label selector and
 * report them) starts when it starts leading and is cancelled the moment it stops, before another replica
 * can take over; each round it also checks its leadership (`leadership.check()`), so it stops on its own
 * clock even if the elector is late to cancel it. Each replica serves `/healthz` (liveness: a leader stuck
 * past its lease fails it), `/readyz` (ready only while leading) and `/metrics` (Prometheus), records
 * leadership Events on the lock object, and logs through the logger port. A kubeconfig that cannot be used
 * stops it at once with a `ConfigError` naming the file and the fault, and a non-zero exit code.
 *
 *   scripts/example.sh ha-controller [--selector app=web] [--name ha-controller] [--namespace default]
 *                                    [--lock lease|configmap] [--http-port 0] [--liveness-tolerance 20]
 *                                    [--resync 2] [--run-for SECONDS] [timing flags as in basic]
 *
 * Needs get, create, patch, watch on leases (or configmaps), create on events (events.k8s.io) and list on
 * pods in the namespace: deploy/rbac.yaml. The replica itself is in replica.ts.
 */
import { runReplica, setUpReplica } from './replica.ts';

await runReplica(setUpReplica());
