/** The help text of every command: printed by `--help`, and quoted in the README (a test keeps them equal). */
export const HELP = `leasehold: model-check lock backends, replay simulations, look at live locks

usage:
  leasehold check MODULE [--runs N] [--seed S] [--overrides JSON] [--html FILE]
      Run the lock conformance checks and N simulated clusters (default 100) over the backend that MODULE
      exports as \`backend\` (a BackendFactory: (clock) => ({ lock(identity) })). Prints a verdict; on a
      violation, the command that replays it and the path of its timeline.
  leasehold replay SEED [--lock MODULE] [--overrides JSON] [--html FILE]
      Replay one simulated cluster (over MODULE's backend, or the in-memory store) and print its trace;
      --html writes the run as a timeline page.
  leasehold status NAME [--kind lease|configmap] [-n NAMESPACE] [--kubeconfig FILE]
      Show a live lock: holder, lease, transitions, times, version.
  leasehold watch NAME [--kind lease|configmap] [-n NAMESPACE] [--kubeconfig FILE] [--for SECONDS]
      Follow a live lock: one line per change, with the time since the previous change as seen here.
  leasehold help | --help

exit codes: 0 passed / shown; 1 a check failed, a violation, or no such lock; 2 bad usage;
3 the module could not be loaded or the cluster could not be reached.
`;
