/**
 * vitest global setup of the `kube` project: starts the real control plane once for all its test files and
 * provides the kubeconfig path. If it cannot start, the setup throws and the whole project fails: the
 * adapter tests never skip for lack of a control plane.
 */
import type { TestProject } from 'vitest/node';
import { type ControlPlane, startControlPlane } from './control-plane.ts';

import type {} from './testing.ts'; // the ProvidedContext declaration

let plane: ControlPlane | undefined;

export async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  plane = await startControlPlane();
  console.log(
    `[kube] control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${plane.server}`,
  );
  project.provide('kubeconfig', plane.kubeconfig);
}

export async function teardown(): Promise<void> {
  await plane?.stop();
}
