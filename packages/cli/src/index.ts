/**
 * `@leasehold/cli`: the `leasehold` command (its `bin`), and its parts for programs that want them.
 *
 * @packageDocumentation
 */

export type { CheckOptions } from './check.ts';
export { check } from './check.ts';
export { CliError } from './errors.ts';
export { HELP } from './help.ts';
export { loadBackend } from './load-backend.ts';
export type { ReplayOptions } from './replay.ts';
export { replay } from './replay.ts';
