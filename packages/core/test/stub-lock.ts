/** A lock for tests that only construct configs and elections: it is never asked for anything but `get`. */
import type { Lock } from '../src/index.ts';

export function stubLock(identity: string): Lock {
  return {
    identity,
    describe: () => 'Lease default/app',
    get: async () => null,
    create: async () => {
      throw new Error('unused');
    },
    update: async () => {
      throw new Error('unused');
    },
  };
}
