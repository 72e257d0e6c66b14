/** What the command line says went wrong, and the exit code it ends with. */
export class CliError extends Error {
  /** Always `CliError`. */
  override readonly name = 'CliError';
  /** 1 a check failed or nothing found, 2 bad usage, 3 the module or the cluster could not be reached. */
  readonly exitCode: 1 | 2 | 3;
  constructor(exitCode: 1 | 2 | 3, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Bad usage: exit code 2. */
export const usage = (message: string) => new CliError(2, `${message} (leasehold --help)`);
