/**
 * Runs one Kubernetes example: `node --conditions=source examples/run.ts <example> [options]`
 * (or `scripts/example.sh <example> [options]`, which also installs Node and dependencies).
 *
 * With $KUBECONFIG set, the example talks to that cluster. Without it, this starts the project's test
 * control plane (kube-apiserver + etcd on loopback, built from Go modules on first use), runs the example
 * against it and stops it afterwards. SIGINT and SIGTERM are passed on to the example, so its graceful
 * shutdown runs; the exit code is the example's.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type ControlPlane, startControlPlane } from '@leasehold/kube-tools/control-plane.ts';

const EXAMPLES = [
  'basic',
  'ha-controller',
  'multi-component',
  'custom-lock',
  'graceful-shutdown',
  'fencing',
  'nestjs',
  'express',
  'fastify',
];
const [example, ...args] = process.argv.slice(2);
if (!example || !EXAMPLES.includes(example)) {
  console.error(`usage: scripts/example.sh <${EXAMPLES.join(' | ')}> [options]`);
  process.exit(2);
}
let main = join(import.meta.dirname, example, 'main.ts');
if (example === 'nestjs') {
  // Nest's decorators are compiled first (Node's type stripping does not run them), as `nest build` would.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(import.meta.dirname, 'nestjs')], { stdio: 'inherit' });
  main = join(import.meta.dirname, 'nestjs', 'dist', 'nestjs', 'main.js');
}
if (!existsSync(main)) throw new Error(`examples/run.ts: ${main} is missing`);

let plane: ControlPlane | undefined;
let kubeconfig = process.env.KUBECONFIG;
if (!kubeconfig) {
  console.error('examples: KUBECONFIG is not set; starting the test control plane on loopback');
  plane = await startControlPlane();
  kubeconfig = plane.kubeconfig;
  console.error(`examples: control plane at ${plane.server}; KUBECONFIG=${kubeconfig}`);
}

const child = spawn(process.execPath, ['--conditions=source', main, ...args], {
  stdio: 'inherit',
  env: { ...process.env, KUBECONFIG: kubeconfig },
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
const code = await new Promise<number>((resolve) =>
  child.on('exit', (c, s) => resolve(c ?? (s === 'SIGKILL' ? 137 : 1))),
);
await plane?.stop();
process.exit(code);
