/**
 * Where a process's memory outside V8's heap is, and why it opens connections: a preload (`node --import
 * ./bench/lease-native.ts ...`, beside bench/scale.ts) that prints every `NATIVE_EVERY_S` seconds (default
 * 10) the RSS split by mapping (from /proc/self/smaps: the brk heap, malloc's 64 MiB arenas, other anonymous
 * mappings, V8's heap as it reports itself, files), V8's own counts (heap reserved and used, malloced memory
 * outside the heap, external, array buffers) and the connections undici opened and closed since the last
 * line, with the lifetime and the bytes of each closed one and the undici events around it.
 *
 *   node --import ./bench/lease-native.ts --conditions=source --expose-gc bench/scale.ts --kind lease ...
 *
 * Linux only (smaps). Prints to stderr, one `native:` line per sample and one `socket:` line per closed
 * connection.
 */
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { getHeapStatistics } from 'node:v8';

const every = Number(process.env.NATIVE_EVERY_S ?? 10) * 1000;
const t0 = performance.now();
const mib = (kib: number) => (kib / 1024).toFixed(1);
const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);

/** RSS (KiB) by kind of mapping. */
function smaps(): Record<string, number> {
  const text = readFileSync('/proc/self/smaps', 'utf8');
  const out: Record<string, number> = { brk: 0, arena: 0, anonSmall: 0, anonLarge: 0, file: 0, stack: 0 };
  let kind = 'file';
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const size = (Number.parseInt(head[2]!, 16) - Number.parseInt(head[1]!, 16)) / 1024;
      const name = head[3] ?? '';
      if (name === '[heap]') kind = 'brk';
      else if (name.startsWith('[stack')) kind = 'stack';
      else if (name === '' || name.startsWith('[anon'))
        // glibc's arenas are 64 MiB reservations (their used part rw, the rest ---p): counted by size.
        kind = size >= 60 * 1024 && size <= 64 * 1024 ? 'arena' : size >= 1024 ? 'anonLarge' : 'anonSmall';
      else kind = 'file';
      continue;
    }
    if (line.startsWith('Rss:')) out[kind] = (out[kind] ?? 0) + Number(line.split(/\s+/)[1]);
  }
  return out;
}

let opened = 0;
let closed = 0;
const live = new Map<Socket, number>();
subscribe('undici:client:connected', (message) => {
  const { socket } = message as { socket: Socket };
  opened += 1;
  const at = performance.now();
  live.set(socket, at);
  socket.once('close', () => {
    closed += 1;
    live.delete(socket);
    console.error(
      `socket: t=${seconds()} s closed after ${((performance.now() - at) / 1000).toFixed(1)} s, ` +
        `${socket.bytesWritten} B out, ${socket.bytesRead} B in, alpn ${(socket as { alpnProtocol?: string }).alpnProtocol}`,
    );
  });
});
for (const channel of ['undici:client:connectError', 'undici:client:beforeConnect']) {
  let count = 0;
  subscribe(channel, () => {
    count += 1;
    if (channel.endsWith('connectError')) console.error(`socket: ${channel} #${count} at t=${seconds()} s`);
  });
}

setInterval(() => {
  const m = smaps();
  const heap = getHeapStatistics();
  const usage = process.memoryUsage();
  const kib = (b: number) => b / 1024;
  console.error(
    `native: t=${seconds()} s RSS ${mib(kib(usage.rss))} MiB; heap reserved ${mib(kib(usage.heapTotal))} ` +
      `(committed ${mib(kib(heap.total_physical_size))}) used ${mib(kib(usage.heapUsed))}; V8 malloced ${mib(kib(heap.malloced_memory))} ` +
      `(peak ${mib(kib(heap.peak_malloced_memory))}); external ${mib(kib(usage.external))}, array buffers ${mib(kib(usage.arrayBuffers))}; ` +
      `smaps RSS: brk ${mib(m.brk!)}, arenas ${mib(m.arena!)}, anon>=1M ${mib(m.anonLarge!)}, anon<1M ${mib(m.anonSmall!)}, ` +
      `files ${mib(m.file!)}, stack ${mib(m.stack!)}; sockets +${opened} -${closed} open ${live.size}`,
  );
  opened = 0;
  closed = 0;
}, every).unref();
