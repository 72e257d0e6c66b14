#!/usr/bin/env node
/**
 * The `leasehold` command (`HELP` in help.ts says what it does). Parses the command line strictly: an
 * unknown flag, a missing argument or a bad number is bad usage (exit 2) with a message naming it.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { CliError, usage } from './errors.ts';
import { HELP } from './help.ts';
import { out } from './output.ts';
import { parseOverrides as overrides } from './overrides.ts';
import { printableMessage } from './printable.ts';

function integer(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw usage(`${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Refuses `status` and `watch` on a Node older than 22.19 (the package's `engines`), before they load
 * anything of Kubernetes: they run on the CLI's own @kubernetes/client-node 2 (a dependency, not a peer: the
 * user cannot pick 1.4), whose undici 8 dies there with a TypeError when it is evaluated. Only these two
 * are refused: the other commands load no client-node. Bun and Deno run undici 8 whatever Node version
 * they report.
 */
function checkNodeForKube(command: string): void {
  const { node, bun, deno } = process.versions;
  if (bun !== undefined || deno !== undefined) return;
  const [major = 0, minor = 0] = node.split('.').map(Number);
  // Node 23 gained the zlib zstd undici 8 binds only in 23.8 (as packages/lease/src/client-node-runtime.ts).
  if (major > 23 || (major === 23 && minor >= 8) || (major === 22 && minor >= 19)) return;
  throw new CliError(
    3,
    `${command} needs Node >= 22.19${major === 23 ? ' (on Node 23, >= 23.8)' : ''}, and this is Node ${node}: ` +
      'it runs on @kubernetes/client-node 2, whose undici 8 needs Node >= 22.19; run it with Node >= 22.19',
  );
}

function parse(args: string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usage((err as Error).message);
  }
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1)
    throw usage(`expected ${what}, got ${positionals.length === 0 ? 'nothing' : positionals.join(' ')}`);
  return positionals[0]!;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(HELP);
      return command === undefined ? 2 : 0;
    case 'check': {
      const { values, positionals } = parse(rest, {
        runs: { type: 'string' },
        seed: { type: 'string' },
        overrides: { type: 'string' },
        html: { type: 'string' },
        'no-store-faults': { type: 'boolean' },
      });
      const { check } = await import('./check.ts');
      return check(
        {
          module: one(positionals, 'MODULE (a file exporting `backend`)'),
          runs: integer('--runs', values.runs as string | undefined, 1) ?? 100,
          seed: integer('--seed', values.seed as string | undefined, 0),
          overrides: overrides(values.overrides as string | undefined),
          html: values.html as string | undefined,
          storeFaults: values['no-store-faults'] !== true,
        },
        out,
      );
    }
    case 'replay': {
      const { values, positionals } = parse(rest, {
        lock: { type: 'string' },
        overrides: { type: 'string' },
        html: { type: 'string' },
      });
      const { replay } = await import('./replay.ts');
      return replay(
        {
          seed: integer('SEED', one(positionals, 'SEED'), 0)!,
          module: values.lock as string | undefined,
          overrides: overrides(values.overrides as string | undefined),
          html: values.html as string | undefined,
        },
        out,
      );
    }
    case 'status':
    case 'watch': {
      const { values, positionals } = parse(rest, {
        kind: { type: 'string', default: 'lease' },
        // No default here: the kubeconfig context's namespace, else `default` (kube-status.ts).
        namespace: { type: 'string', short: 'n' },
        kubeconfig: { type: 'string' },
        ...(command === 'watch' ? { for: { type: 'string' }, changes: { type: 'boolean' } } : {}),
      });
      const kind = values.kind as string;
      if (kind !== 'lease' && kind !== 'configmap')
        throw usage(`--kind must be lease or configmap, got ${JSON.stringify(kind)}`);
      if (values.namespace === '') throw usage('-n must name a namespace, got ""');
      const address = {
        kind,
        name: one(positionals, 'NAME (the lock object)'),
        namespace: values.namespace as string | undefined,
        kubeconfig: values.kubeconfig as string | undefined,
      } as const;
      const forSeconds = integer('--for', values.for as string | undefined, 1);
      // After the arguments: bad usage is exit 2 on any Node.
      checkNodeForKube(command);
      const kube = await import('./kube-status.ts');
      return command === 'status'
        ? kube.status(address, out)
        : kube.watch(address, forSeconds, out, values.changes === true);
    }
    case 'timings': {
      const { timingsCommand } = await import('./timings.ts');
      return timingsCommand(rest, out);
    }
    default:
      throw usage(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Messages quote what the cluster, a kubeconfig or a module said: escaped, never raw to the terminal.
    if (err instanceof CliError) {
      process.stderr.write(`leasehold: ${printableMessage(err.message)}\n`);
      process.exitCode = err.exitCode;
    } else {
      const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(
        `leasehold: unexpected failure: ${text.split('\n').map(printableMessage).join('\n')}\n`,
      );
      process.exitCode = 3;
    }
  },
);
