/**
 * Starts the test control plane in the foreground for manual use and the examples:
 *
 *   node tools/kube/up.ts      # prints KUBECONFIG=...; Ctrl-C stops and cleans up
 */
import { startControlPlane } from './control-plane.ts';

const started = Date.now();
const plane = await startControlPlane();
console.log(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${plane.server}`);
console.log(`export KUBECONFIG=${plane.kubeconfig}`);
const stop = async () => {
  await plane.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
