/**
 * Which code spans in the docs name Leasehold's API, and whether the name exists.
 *
 * "Exported" means exported from an entry of some package's `exports` map, or from a template a package
 * ships for copying (testkit's `templates/`).
 *
 * The rule. A span counts when, after dropping a leading `new ` or `await `, a call's `(...)`, a generic's
 * `<...>` and a trailing `?`/`!`, it is an identifier or a dotted path (`a.b.c`) and:
 *  - its head is PascalCase (`LeaseLock`, `LockSnapshot`) or a constant (`JITTER_FACTOR`: capitals with an
 *    underscore): the head must be an exported name, or a literal of an exported type (`Conflict`, a
 *    `LockErrorKind`); and each further segment must be a member of that export (`ElectionConfig.leaseDuration`);
 *  - its head is camelCase with a capital inside (`checkLiveness`, `recordLeaderEvents`, `releaseOnCancel`) or
 *    any lowercase word written as a call (`run()`, `stop()`): it must be an exported name or a member reachable
 *    from one (methods, fields, options, parameters);
 *  - it is `receiver.method` with a lowercase receiver (`election.handover(identity)`) and a camelCase or called
 *    last segment: that segment must be a member.
 * A span written as a reference into the sources, `` `NAME` in `packages/.../file.ts` `` (an internal name,
 * cited with where it lives), is checked against that file instead: it must exist and define NAME.
 *
 * Single lowercase words that are not called (`signal`, `null`, `leases`), snake_case (metric names), flags,
 * paths, file names and expressions do not count: they are words or other programs' names as often as ours.
 *
 * Not checked: columns of a table whose header names a peer library (client-go, kubernetes_asyncio,
 * nestjs-k8s-leader-election, @codedependant/kubernetes-leader-election): those name the peer's API; and
 * docs/statechart.md's `actions` and `guard` columns, which `scripts/statechart.ts --check` keeps equal to the
 * machine; and regions marked `<!-- peer-api -->` ... `<!-- /peer-api -->` (spans.ts). Names of other programs that the docs write in code (Kubernetes objects, Node, XState, the peers in
 * prose, the examples' own classes) are listed in `NOT_OURS` below, each group with its reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiSurface } from './exports.ts';
import type { CodeSpan } from './spans.ts';

/** Names the docs write in code that are not Leasehold's exports, on purpose. */
export const NOT_OURS: Readonly<Record<string, readonly string[]>> = {
  'Kubernetes kinds, fields, feature gates and Event reasons': [
    'ConfigMap',
    'Lease',
    'CoordinatedLeaderElection',
    'OldestEmulationVersion',
    'DoNotSchedule',
    'BecameLeader',
    'StoppedLeading',
    'Normal',
    'reportingInstance',
    'resourceNames',
    'runAsGroup',
    'runAsNonRoot',
    'runAsUser',
    'terminationGracePeriodSeconds',
    'topologySpreadConstraint',
    'livenessProbe',
    'fieldSelector',
  ],
  'HTTP headers': ['Authorization'],
  'environment variables': ['POD_NAME', 'KUBERNETES_SERVICE_HOST', 'LEASEHOLD_TRACE'],
  '@kubernetes/client-node': ['KubeConfig', 'CoreV1Api', 'ApiException', 'Watch'],
  undici: ['Dispatcher', 'ClientDestroyedError', 'keepAliveTimeout'],
  'Express, Fastify and NestJS': ['use', 'enableShutdownHooks', 'onModuleInit', 'init', 'listen'],
  '@nestjs/terminus': ['HealthCheckService'],
  'TypeScript compiler options': [
    'experimentalDecorators',
    'emitDecoratorMetadata',
    'exactOptionalPropertyTypes',
    'noUncheckedIndexedAccess',
    'skipLibCheck',
  ],
  "the bug zoo's model store errors (packages/testkit/test/zoo/kv-store.ts)": [
    'ConditionFailed',
    'ServiceUnavailable',
    'RequestTimeout',
  ],
  'JavaScript, Node and the web platform': [
    'AbortSignal',
    'AbortController',
    'EventEmitter',
    'Date',
    'Map',
    'RangeError',
    'PerformanceResourceTiming',
    'heapUsed',
    'memoryUsage',
    'getActiveResourcesInfo',
    'import',
    'require',
    'Set',
    'Timeout',
    'setTimeout',
    'clearTimeout',
    'kill',
    'AsyncResource',
    'Http2Stream',
    'Readable',
  ],
  'package.json fields': ['packageManager', 'publishConfig'],
  XState: [
    'assertEvent',
    'enqueueActions',
    'resolveAssign',
    'createBrowserInspector',
    'setup',
    'and',
    'or',
    'not',
    'stateIn',
    'StateNode',
  ],
  "the peers' names in prose (docs/comparison.md and docs/migration.md cite them)": [
    'Run',
    'HealthzAdaptor',
    'EventRecorder',
    'ValueError',
    'NewLeaderHealthzAdaptor',
    'LeaderElectionModule',
    'LeaderElectionService',
    'LeaderElectedEvent',
    'LeaderLostEvent',
    'Elector',
    'EVENTS',
    'LEADERSHIP_ACQUIRED',
    'LEADERSHIP_LOST',
    'LEASE_RENEWED',
    'OnEvent',
    'EventEmitter2',
  ],
  "the custom-lock example's own classes (examples/custom-lock)": ['SecretLock', 'SecretModel'],
};

const notOurs = new Set(Object.values(NOT_OURS).flat());

/** Columns (by header) whose spans name a peer's API, not ours. */
const PEER_COLUMN = /client-go|kubernetes_asyncio|nestjs-k8s-leader-election|kubernetes-leader-election/i;
/** docs/statechart.md's generated transition table (checked by scripts/statechart.ts). */
const GENERATED_COLUMN = /^(actions|guard)$/;

const PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
const PASCAL = /^[A-Z](?=.*[a-z])[A-Za-z0-9]*$/;
const CONSTANT = /^[A-Z][A-Z0-9]*_[A-Z0-9_]*$/;
const CAMEL = /^[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*$/;

/** A span that names an API that does not exist. */
export interface StaleName {
  readonly span: CodeSpan;
  readonly name: string;
  readonly why: string;
}

/** The name a span refers to, and whether the span counts under the rule above. */
export function apiReference(text: string): { path: string[]; called: boolean } | undefined {
  let body = text.trim().replace(/^(new|await)\s+/, '');
  const called = /\(.*\)\s*$/s.test(body);
  body = body.replace(/\(.*$/s, '').replace(/<.*$/s, '').replace(/[?!]$/, '');
  if (!PATH.test(body)) return undefined;
  const path = body.split('.');
  const head = path[0] ?? '';
  const last = path[path.length - 1] ?? '';
  if (PASCAL.test(head) || CONSTANT.test(head)) return { path, called };
  if (path.length === 1 && (CAMEL.test(head) || (called && /^[a-z]+$/.test(head)))) return { path, called };
  if (path.length > 1 && /^[a-z]/.test(head) && (CAMEL.test(last) || (called && /^[a-z]+$/.test(last)))) {
    return { path: [last], called };
  }
  return undefined;
}

/** The file a span names as the place of an internal name (`` `NAME` in `packages/x/src/y.ts` ``), if any. */
export function sourceReference(span: CodeSpan): string | undefined {
  if (!/^[A-Za-z_$][\w$]*$/.test(span.text)) return undefined; // an identifier, so safe inside a RegExp
  const escaped = span.text.replaceAll('$', '\\$');
  const match = new RegExp(
    `\`${escaped}\` in \`?((?:packages|examples|tools|scripts)/[^\\s\`;,)]+\\.ts)`,
  ).exec(span.context);
  return match?.[1];
}

/** Checks a source reference: the file exists and defines the name (declares or exports it). */
function checkSourceReference(span: CodeSpan, file: string, root: string): StaleName | undefined {
  let source: string;
  try {
    source = readFileSync(join(root, file), 'utf8');
  } catch {
    return { span, name: span.text, why: `it is cited in ${file}, which does not exist` };
  }
  const name = span.text.replaceAll('$', '\\$');
  const defines = new RegExp(`\\b(const|let|function|class|interface|type|enum)\\s+${name}\\b`);
  return defines.test(source) ? undefined : { span, name: span.text, why: `${file} does not define it` };
}

/** Checks one span against the API; `undefined` when it is fine or does not count. */
export function checkSpan(span: CodeSpan, api: ApiSurface, root = '.'): StaleName | undefined {
  const reference = sourceReference(span);
  if (reference) return checkSourceReference(span, reference, root);
  if (span.column !== undefined && (PEER_COLUMN.test(span.column) || GENERATED_COLUMN.test(span.column))) {
    return undefined;
  }
  const ref = apiReference(span.text);
  if (!ref) return undefined;
  const [head, ...rest] = ref.path as [string, ...string[]];
  if (notOurs.has(head)) return undefined;
  const exported = api.exports.has(head);
  if (!exported && !api.members.has(head)) {
    return { span, name: head, why: 'no package exports it, and no exported type has a member of that name' };
  }
  const [member, ...deeper] = rest;
  if (exported && member !== undefined && !api.membersOf(head).has(member)) {
    return { span, name: `${head}.${member}`, why: `${head} has no member ${member}` };
  }
  // Further segments are members of a member's type: any reachable member name will do.
  const missing = deeper.find((name) => !api.members.has(name));
  if (missing !== undefined)
    return { span, name: missing, why: 'no exported type has a member of that name' };
  return undefined;
}
