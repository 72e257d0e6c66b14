/**
 * The start of a watch event line read without a parse (watch-prefix.ts): whatever it gives must be what
 * `JSON.parse` gives for the same line, and anything unexpected (a careless or hostile record: wrong types,
 * escapes, huge or non-ASCII fields, a line cut short, members out of the API server's order) gives `null`
 * or leaves the field undefined, so that the line is parsed in full as before.
 */
import { expect, it } from 'vitest';
import { eventPrefix, MAX_PREFIX_STRING } from '../src/watch-prefix.ts';

/** A watch event as the API server writes it: Go's member order, compact JSON. */
const lease = (name: unknown, resourceVersion: unknown, type = 'MODIFIED') =>
  JSON.stringify({
    type,
    object: {
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: {
        name,
        namespace: 'default',
        uid: '0b1c8a52-7e43-4f4e-a3c3-1b6f3cde1f10',
        resourceVersion,
        creationTimestamp: '2026-12-02T12:00:00Z',
        managedFields: [{ manager: 'leasehold', operation: 'Update', fieldsV1: { 'f:spec': {} } }],
      },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
    },
  });
const prefix = (line: string) => eventPrefix(Buffer.from(line, 'utf8'));

it("reads the type, name and resourceVersion of the API server's lines", () => {
  for (const type of ['ADDED', 'MODIFIED', 'DELETED'])
    expect(prefix(lease('scale-7', '123456', type))).toEqual({
      type,
      name: 'scale-7',
      resourceVersion: '123456',
    });
  // Whitespace between tokens is JSON too.
  expect(
    prefix('{ "type" : "ADDED" ,\t"object":{ "metadata" : { "resourceVersion":"9", "name":"x" } } }'),
  ).toEqual({ type: 'ADDED', name: 'x', resourceVersion: '9' });
});

it('leaves bookmarks, errors and other types to the full parse', () => {
  expect(prefix(lease('a', '1', 'BOOKMARK'))).toBeNull();
  expect(prefix('{"type":"ERROR","object":{"kind":"Status","code":410}}')).toBeNull();
  expect(prefix(lease('a', '1', 'modified'))).toBeNull();
});

it('gives nothing it has not read as a plain string: wrong types, escapes, non-ASCII, huge fields', () => {
  // A name of the wrong type: neither it nor anything after it is read (the line is then parsed in full).
  expect(prefix(lease(5, '1'))).toEqual({ type: 'MODIFIED', name: undefined, resourceVersion: undefined });
  expect(prefix(lease(null, '1'))?.name).toBeUndefined();
  expect(prefix(lease(['a'], '1'))?.name).toBeUndefined();
  expect(prefix(lease('a', 7))).toEqual({ type: 'MODIFIED', name: 'a', resourceVersion: undefined });
  expect(prefix(lease('a', { v: '1' }))?.resourceVersion).toBeUndefined();
  // An escape or a byte outside ASCII: JSON.parse would decode it; the prefix does not try.
  expect(prefix(lease('a"b', '1'))?.name).toBeUndefined();
  expect(prefix(lease('élection', '1'))?.name).toBeUndefined();
  // Huge: a name past MAX_PREFIX_STRING bytes is not read, and nothing after it either.
  expect(prefix(lease('n'.repeat(MAX_PREFIX_STRING), '1'))?.name).toBe('n'.repeat(MAX_PREFIX_STRING));
  expect(prefix(lease('n'.repeat(MAX_PREFIX_STRING + 1), '1'))).toEqual({
    type: 'MODIFIED',
    name: undefined,
    resourceVersion: undefined,
  });
  expect(prefix(lease('a', '9'.repeat(1_000_000)))?.resourceVersion).toBeUndefined();
  // A huge kind before the metadata: not read at all.
  expect(
    prefix(`{"type":"ADDED","object":{"kind":"${'K'.repeat(100_000)}","metadata":{"name":"a"}}}`),
  ).toBeNull();
});

it('gives nothing from a line of another shape, cut short, or not JSON', () => {
  const whole = lease('scale-1', '42');
  // Every cut of the line before the version's closing quote: never a wrong name or version.
  const end = whole.indexOf('"42"') + 3;
  for (let cut = 0; cut < end; cut++) {
    const p = prefix(whole.slice(0, cut));
    expect(p?.resourceVersion, `cut at ${cut}`).toBeUndefined();
    if (p?.name !== undefined) expect(p.name).toBe('scale-1');
  }
  expect(prefix('{"object":{"metadata":{"name":"a","resourceVersion":"1"}},"type":"ADDED"}')).toBeNull();
  expect(
    prefix('{"type":"ADDED","object":{"spec":{},"metadata":{"name":"a","resourceVersion":"1"}}}'),
  ).toBeNull();
  expect(prefix('{"type":"ADDED","object":[]}')).toBeNull();
  expect(prefix('not json')).toBeNull();
  expect(prefix('')).toBeNull();
});

it('agrees with JSON.parse on every line it reads, for random records', () => {
  // Members of random types, random order, around the name and version.
  let seed = 25;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const values = [
    () => 'plain',
    () => 7,
    () => null,
    () => 'q"uote',
    () => 'ü',
    () => ({ a: 1 }),
    () => ['x'],
  ];
  const anyValue = () => values[Math.floor(random() * values.length)]!();
  let read = 0;
  for (let i = 0; i < 2000; i++) {
    const metadata: Record<string, unknown> = {};
    const keys = ['uid', 'namespace', 'name', 'resourceVersion', 'labels', 'generateName'].sort(
      () => random() - 0.5,
    );
    for (const key of keys)
      metadata[key] = random() < 0.6 && (key === 'name' || key === 'resourceVersion') ? `v${i}` : anyValue();
    const line = JSON.stringify({ type: 'ADDED', object: { kind: 'Lease', metadata } });
    const p = prefix(line);
    const parsed = JSON.parse(line).object.metadata;
    if (p?.name !== undefined) expect(p.name).toBe(parsed.name);
    if (p?.resourceVersion !== undefined) expect(p.resourceVersion).toBe(parsed.resourceVersion);
    if (p?.name !== undefined && p.resourceVersion !== undefined) read += 1;
  }
  // A line with an escape anywhere after the prefix (the 'q"uote' values) is left to the full parse.
  expect(read).toBeGreaterThan(50);
});

it('gives nothing from a line with a duplicate member or an escape after what it read: JSON.parse keeps the last', () => {
  // The reviewer's lines (duplicate names, which the API server never writes): each would let the prefix
  // name another Lease, version or type than JSON.parse does.
  const lines = [
    '{"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"5","resourceVersion":"9"}}}',
    '{"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"5","n\\u0061me":"b"}}}',
    '{"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"5"},"metadata":{"name":"b","resourceVersion":"9"}}}',
    '{"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"5"}},"object":{"metadata":{"name":"b","resourceVersion":"9"}}}',
    '{"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"5"}},"type":"DELETED"}',
    // Only one of the two read before a duplicate: the same.
    '{"type":"MODIFIED","object":{"metadata":{"name":"a","labels":{},"name":"b","resourceVersion":"9"}}}',
    '{"type":"MODIFIED","object":{"metadata":{"name":"a","resourceVersion":"5","labels":{"x":"\\"name\\""}}}}',
  ];
  for (const line of lines) {
    JSON.parse(line); // valid JSON, each of them
    expect(prefix(line), line).toBeNull();
  }
});
