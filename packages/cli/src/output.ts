/**
 * The command's standard output. A reader that goes away (`leasehold watch ... | head -1`, a pager quit
 * early) makes the next write fail with EPIPE; unhandled, Node would crash with a stack trace and exit 1.
 * The reader got what it wanted, so the command ends quietly with exit code 0, as `yes | head` does.
 */

let installed = false;

/** Ends the process with code 0 when standard output's reader has gone; any other write error is re-thrown. */
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') process.exit(0);
  throw err;
}

/** Writes `line` to standard output (an ended reader ends the command, quietly). */
export function out(line: string): void {
  if (!installed) {
    installed = true;
    process.stdout.on('error', onStdoutError);
    // A message to a closed standard error would fail the same way; there is nobody left to tell.
    process.stderr.on('error', () => {});
  }
  process.stdout.write(`${line}\n`);
}
