import { overrideKeys } from './overrides.ts';

/** `words` joined by spaces into lines of at most `width` characters: the first indented by `indent`, the rest two more. */
function wrap(words: string[], indent: string, width = 110): string {
  const lines: string[] = [];
  let line = indent;
  for (const word of words) {
    if (line === indent) line += word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = `${indent}  ${word}`;
    }
  }
  return [...lines, line].join('\n');
}

/** The help text of every command: printed by `--help`, and quoted in the README (a test keeps them equal). */
export const HELP = `leasehold: model-check lock backends, replay simulations, choose timings, look at live locks

usage:
  leasehold check MODULE [--runs N] [--seed S] [--overrides JSON] [--html FILE] [--no-store-faults]
      Run the lock conformance checks, concurrent workloads judged for linearizability and N simulated
      clusters (default 100) over the backend that MODULE exports as \`backend\` (a BackendFactory: (clock)
      => ({ lock(identity) })) or as \`store\` (a StoreBackend: its store's calls then meet faults too, unless
      --no-store-faults). Prints a verdict, PASS, WARN (a deviation the election tolerates, with its cost),
      FAIL or UNKNOWN; on a violation, the command that replays it and the path of its timeline.
  leasehold replay SEED [--lock MODULE] [--overrides JSON] [--html FILE]
      Replay one simulated cluster (over MODULE's backend, or the in-memory store) and print its trace;
      --html writes the run as a timeline page.
      --overrides (check, replay) fixes parts of the drawn scenario (testkit's ScenarioOverrides); an unknown
      key is refused. Its keys:
${overrideKeys()
  .map(([object, keys]) =>
    wrap([...(object ? [`${object}:`] : []), keys.join(', ')].join(' ').split(' '), '        '),
  )
  .join('\n')}
  leasehold timings --downtime D --failover F [--clock-rate R] [--pause P] [--renewals N]
  leasehold timings --preset default|outageTolerant [--clock-rate R]
      Derive lease, renew deadline, retry period and request timeout from goals (D seconds of API-server
      downtime to ride out, a crash failover within F, clock rates within R, e.g. 0.05 or 5%, pauses up to P,
      default 1s), or take a preset, and print what they guarantee. Durations: 60s, 2m, 500ms.
  leasehold status NAME [--kind lease|configmap] [-n NAMESPACE] [--kubeconfig FILE]
      Show a live lock: holder, lease, transitions, times, version.
  leasehold watch NAME [--kind lease|configmap] [-n NAMESPACE] [--kubeconfig FILE] [--for SECONDS] [--changes]
      Follow a live lock: one line per change (with --changes, per change of holder: no renewals), with the
      time since the previous line as seen here (under a second in milliseconds, +36ms; else +1.2s).
      status and watch: the namespace is -n, else the kubeconfig context's, else default (as kubectl picks
      it); the kubeconfig is --kubeconfig, else KUBECONFIG, ~/.kube/config or the Pod's service account.
      They need Node >= 22.19 (the package's engines): they run on @kubernetes/client-node 2.
  leasehold help | --help

exit codes: 0 passed / shown; 1 a check failed (check: FAIL or UNKNOWN), a violation, no such lock, or goals
no timings meet; 2 bad usage; 3 the module could not be loaded, the cluster could not be reached or refused
the read (Forbidden or Unauthorized: the credentials, or their RBAC), or Node is too old for status and watch;
4 check's verdict is WARN.
`;
