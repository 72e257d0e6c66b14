/**
 * An experiment, not a mode of the package: HTTP/1.1 keep-alive over a small undici pool instead of one
 * HTTP/2 connection, for the same requests. A preload (`node --import ./bench/lease-h1.ts ...` beside
 * bench/scale.ts) that makes client-node's `createDispatcher` build its undici Agent with `allowH2: false`
 * and at most `H1_CONNECTIONS` connections per origin (default 4), the TLS options (CA, client certificate,
 * key, server name) exactly as client-node derives them from the KubeConfig (`createDispatcherOptions`);
 * proxies and the plain-HTTP case are left to client-node. The watch streams then hold a connection each.
 *
 *   H1_CONNECTIONS=4 node --import ./bench/lease-h1.ts --import ./bench/lease-native.ts --conditions=source \
 *     --expose-gc bench/scale.ts --kind lease --elections 1000 --seconds 30 --warmup 20
 */
import { createRequire } from 'node:module';
import { KubeConfig } from '@kubernetes/client-node';

// client-node's own undici (the one its Agent comes from), not whichever the bench would resolve.
const require = createRequire(import.meta.resolve('@kubernetes/client-node'));
/** The part of undici's Agent this file uses (undici is client-node's dependency, not the bench's). */
type AgentClass = new (options: {
  connect: unknown;
  allowH2: boolean;
  connections: number;
  pipelining: number;
}) => unknown;
const { Agent } = require('undici') as { Agent: AgentClass };
const connections = Number(process.env.H1_CONNECTIONS ?? 4);

type Options = ReturnType<KubeConfig['createDispatcherOptions']>;
const proto = KubeConfig.prototype as unknown as {
  createDispatcher(cluster: unknown, agentOptions: unknown): unknown;
  createDispatcherOptions(cluster: unknown, agentOptions: unknown): Options;
};
const original = proto.createDispatcher;
proto.createDispatcher = function (this: typeof proto, cluster, agentOptions) {
  const options = this.createDispatcherOptions(cluster, agentOptions);
  if (options.type !== 'agent') return original.call(this, cluster, agentOptions);
  return new Agent({ connect: options.connect, allowH2: false, connections, pipelining: 1 });
};
console.error(`lease-h1: HTTP/1.1, at most ${connections} connections per origin`);
