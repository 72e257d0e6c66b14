import { configDefaults, defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `source` export condition.
const conditions = ['source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Simulation tests run tens of clusters: seconds on a quiet machine, past vitest's 5 s default on a
          // loaded 2-core one. A timeout is not what these tests assert.
          testTimeout: 60_000,
          include: [
            'packages/{core,memory,testkit,metrics,nestjs}/test/**/*.test.ts',
            'examples/demo/**/*.test.ts',
            'examples/custom-lock/**/*.test.ts',
            'examples/inspector/**/*.test.ts',
            'packages/cli/test/{readme,timings,overrides,verdicts}.test.ts',
            'scripts/test/**/*.test.ts',
          ],
          // Needs `pnpm -r build` first: in the `build` project below, which ./scripts/test.sh runs after building.
          exclude: [...configDefaults.exclude, 'packages/memory/test/compiled.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          // Tests of what users install: the compiled packages (dist/), built by `pnpm -r build`.
          name: 'build',
          include: ['packages/memory/test/compiled.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'kube',
          include: [
            'packages/{lease,configmap}/test/**/*.test.ts',
            'examples/kube/**/*.test.ts',
            'tools/interop/test/**/*.test.ts',
            'tools/consumer/**/*.test.ts',
            'packages/cli/test/{cli,hostile-input}.test.ts',
          ],
          globalSetup: ['tools/kube/vitest-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // Multi-process election tests measure failover in real time: do not run them against each other.
          fileParallelism: false,
        },
      },
    ],
  },
});
