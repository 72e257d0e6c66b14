/**
 * Reads V8 heap snapshots (`.heapsnapshot`, the JSON that `v8.writeHeapSnapshot()` writes) for the soak:
 * the retained heap, a per-constructor summary, and the difference between two snapshots of one process.
 *
 * V8 collects all garbage before it takes a snapshot, so a snapshot holds only objects that are still
 * reachable: the sum of the nodes' self sizes is the retained heap. Node ids are stable across the snapshots
 * of one process, so the objects of a later snapshot whose ids the earlier one lacks were allocated in
 * between and are still alive: where a leak shows first.
 */
import { readFileSync } from 'node:fs';

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** The node fields this reader uses. */
type NodeField = 'type' | 'name' | 'id' | 'selfSize' | 'edgeCount';

/** One group of the summary: objects of one constructor (or one kind of V8-internal object). */
export interface HeapGroup {
  count: number;
  bytes: number;
}

export class HeapSnapshot {
  readonly file: string;
  readonly nodeCount: number;
  /** Sum of the self sizes of all nodes: the heap that is still reachable. */
  readonly retainedBytes: number;
  readonly #raw: RawSnapshot;
  readonly #nodeWidth: number;
  readonly #edgeWidth: number;
  readonly #field: Record<NodeField, number>;
  readonly #edgeField: Record<'type' | 'nameOrIndex' | 'toNode', number>;
  readonly #nodeTypes: string[];
  readonly #edgeTypes: string[];
  /** Index of each node's first edge in `edges` (edges are stored in node order). */
  readonly #firstEdge: Uint32Array;
  #retainers?: { first: Uint32Array; list: Uint32Array; edge: Uint32Array };
  #distance?: Int32Array;

  constructor(file: string) {
    this.file = file;
    this.#raw = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
    const meta = this.#raw.snapshot.meta;
    const at = (fields: string[], name: string): number => {
      const i = fields.indexOf(name);
      if (i < 0) throw new Error(`${file}: a heap snapshot without the field ${name}`);
      return i;
    };
    this.#nodeWidth = meta.node_fields.length;
    this.#edgeWidth = meta.edge_fields.length;
    this.#field = {
      type: at(meta.node_fields, 'type'),
      name: at(meta.node_fields, 'name'),
      id: at(meta.node_fields, 'id'),
      selfSize: at(meta.node_fields, 'self_size'),
      edgeCount: at(meta.node_fields, 'edge_count'),
    };
    this.#edgeField = {
      type: at(meta.edge_fields, 'type'),
      nameOrIndex: at(meta.edge_fields, 'name_or_index'),
      toNode: at(meta.edge_fields, 'to_node'),
    };
    this.#nodeTypes = meta.node_types[0];
    this.#edgeTypes = meta.edge_types[0];
    this.nodeCount = this.#raw.nodes.length / this.#nodeWidth;
    this.#firstEdge = new Uint32Array(this.nodeCount + 1);
    let retained = 0;
    let edge = 0;
    for (let n = 0; n < this.nodeCount; n += 1) {
      this.#firstEdge[n] = edge;
      edge += this.#node(n, 'edgeCount') * this.#edgeWidth;
      retained += this.#node(n, 'selfSize');
    }
    this.#firstEdge[this.nodeCount] = edge;
    this.retainedBytes = retained;
  }

  #node(n: number, field: NodeField): number {
    return this.#raw.nodes[n * this.#nodeWidth + this.#field[field]]!;
  }

  id(n: number): number {
    return this.#node(n, 'id');
  }

  selfSize(n: number): number {
    return this.#node(n, 'selfSize');
  }

  /**
   * The group a node is counted in, as DevTools' summary names them: the constructor for objects, the
   * function's name for closures, one group for all strings, and the V8 type for internal nodes.
   */
  group(n: number): string {
    const type = this.#nodeTypes[this.#node(n, 'type')] ?? 'unknown';
    const name = this.#raw.strings[this.#node(n, 'name')] ?? '';
    switch (type) {
      case 'object':
      case 'native':
        return name;
      case 'closure':
        return `(closure ${name || 'anonymous'})`;
      case 'string':
      case 'concatenated string':
      case 'sliced string':
        return '(string)';
      default:
        return `(${type})`;
    }
  }

  /** Count and self size per group. */
  summary(): Map<string, HeapGroup> {
    const groups = new Map<string, HeapGroup>();
    for (let n = 0; n < this.nodeCount; n += 1) add(groups, this.group(n), this.selfSize(n));
    return groups;
  }

  /** The ids of all nodes, to find the objects a later snapshot of the same process adds. */
  ids(): Set<number> {
    const ids = new Set<number>();
    for (let n = 0; n < this.nodeCount; n += 1) ids.add(this.id(n));
    return ids;
  }

  /**
   * The shortest chain of strong references from the snapshot's root to node `n`, as text
   * ("(GC roots) -> ... -> Map.table -> Array[12] -> Timeout"), or null when only weak references reach it.
   */
  retainerPath(n: number, maxSteps = 12): string | null {
    const distance = this.#distances();
    if (distance[n]! < 0) return null;
    const { first, list, edge } = this.#retainersIndex();
    const steps: string[] = [this.#label(n)];
    let current = n;
    while (current !== 0 && steps.length <= maxSteps) {
      let best = -1;
      let bestEdge = -1;
      for (let r = first[current]!; r < first[current + 1]!; r += 1) {
        const from = list[r]!;
        if (distance[from]! >= 0 && (best < 0 || distance[from]! < distance[best]!)) {
          best = from;
          bestEdge = edge[r]!;
        }
      }
      if (best < 0) break;
      steps.push(`${this.#label(best)}.${this.#edgeName(bestEdge)}`);
      current = best;
    }
    return steps.reverse().join(' -> ');
  }

  /**
   * What holds node `n`, as "group.edge" (indices blanked to `[]`, so the elements of one array count as
   * one holder), with how many of the strong references to it that is; most first.
   */
  holders(nodes: Iterable<number>): Map<string, number> {
    const { first, list, edge } = this.#retainersIndex();
    const counts = new Map<string, number>();
    for (const n of nodes)
      for (let r = first[n]!; r < first[n + 1]!; r += 1) {
        const key = `${this.#label(list[r]!)}.${this.#edgeName(edge[r]!).replace(/^\[\d+\]$|^\d+$/, '[]')}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    return new Map([...counts].sort((a, b) => b[1] - a[1]));
  }

  /**
   * The self size of `nodes` by what holds them, as `holders` names holders: each node's bytes go to every
   * strong reference to it in equal parts (most nodes have one), so the parts add up to the nodes' size.
   */
  holderBytes(nodes: Iterable<number>): Map<string, number> {
    const { first, list, edge } = this.#retainersIndex();
    const bytes = new Map<string, number>();
    for (const n of nodes) {
      const refs = first[n + 1]! - first[n]!;
      for (let r = first[n]!; r < first[n + 1]!; r += 1) {
        const key = `${this.#label(list[r]!)}.${this.#edgeName(edge[r]!).replace(/^\[\d+\]$|^\d+$/, '[]')}`;
        bytes.set(key, (bytes.get(key) ?? 0) + this.selfSize(n) / refs);
      }
    }
    return new Map([...bytes].sort((a, b) => b[1] - a[1]));
  }

  /** A node as paths show it: its group, or a synthetic root's own name ("(GC roots)", "(Global handles)"). */
  #label(n: number): string {
    const type = this.#nodeTypes[this.#node(n, 'type')];
    return type === 'synthetic' ? (this.#raw.strings[this.#node(n, 'name')] ?? '(synthetic)') : this.group(n);
  }

  #edgeName(e: number): string {
    const type = this.#edgeTypes[this.#raw.edges[e + this.#edgeField.type]!];
    const nameOrIndex = this.#raw.edges[e + this.#edgeField.nameOrIndex]!;
    return type === 'element' || type === 'hidden'
      ? `[${nameOrIndex}]`
      : (this.#raw.strings[nameOrIndex] ?? '?');
  }

  #isStrong(e: number): boolean {
    return this.#edgeTypes[this.#raw.edges[e + this.#edgeField.type]!] !== 'weak';
  }

  #target(e: number): number {
    return this.#raw.edges[e + this.#edgeField.toNode]! / this.#nodeWidth;
  }

  /** Breadth-first distance from the root (node 0) over strong edges; -1 for nodes it does not reach. */
  #distances(): Int32Array {
    if (this.#distance) return this.#distance;
    const distance = new Int32Array(this.nodeCount).fill(-1);
    const queue = new Uint32Array(this.nodeCount);
    let head = 0;
    let tail = 0;
    distance[0] = 0;
    queue[tail++] = 0;
    while (head < tail) {
      const n = queue[head++]!;
      for (let e = this.#firstEdge[n]!; e < this.#firstEdge[n + 1]!; e += this.#edgeWidth) {
        if (!this.#isStrong(e)) continue;
        const to = this.#target(e);
        if (distance[to]! < 0) {
          distance[to] = distance[n]! + 1;
          queue[tail++] = to;
        }
      }
    }
    this.#distance = distance;
    return distance;
  }

  /** For each node, the nodes holding a strong edge to it (and that edge), in compressed rows. */
  #retainersIndex(): { first: Uint32Array; list: Uint32Array; edge: Uint32Array } {
    if (this.#retainers) return this.#retainers;
    const counts = new Uint32Array(this.nodeCount + 1);
    for (let n = 0; n < this.nodeCount; n += 1)
      for (let e = this.#firstEdge[n]!; e < this.#firstEdge[n + 1]!; e += this.#edgeWidth)
        if (this.#isStrong(e)) counts[this.#target(e) + 1]! += 1;
    for (let n = 0; n < this.nodeCount; n += 1) counts[n + 1]! += counts[n]!;
    const first = counts.slice();
    const fill = counts.slice();
    const list = new Uint32Array(first[this.nodeCount]!);
    const edge = new Uint32Array(first[this.nodeCount]!);
    for (let n = 0; n < this.nodeCount; n += 1)
      for (let e = this.#firstEdge[n]!; e < this.#firstEdge[n + 1]!; e += this.#edgeWidth)
        if (this.#isStrong(e)) {
          const slot = fill[this.#target(e)]!++;
          list[slot] = n;
          edge[slot] = e;
        }
    this.#retainers = { first, list, edge };
    return this.#retainers;
  }
}

function add(groups: Map<string, HeapGroup>, key: string, bytes: number): void {
  const group = groups.get(key);
  if (group) {
    group.count += 1;
    group.bytes += bytes;
  } else groups.set(key, { count: 1, bytes });
}

/** One line of a comparison: how a group changed, and what of it was allocated in between and lives on. */
export interface GroupGrowth {
  group: string;
  countDelta: number;
  bytesDelta: number;
  /** Objects of the later snapshot that the earlier one lacks (allocated in between, still reachable). */
  newCount: number;
  newBytes: number;
  /** How one of those new objects is reached from the root (in the later snapshot). */
  examplePath: string | null;
  /** What holds the new objects: the three most frequent "group.edge" with their counts. */
  heldBy: string[];
}

/** The groups of V8's own internals (see `HeapComparison.engineBytesDelta`). */
const ENGINE_GROUPS = ['(code)', '(object shape)', '(hidden)'];

export interface HeapComparison {
  beforeBytes: number;
  afterBytes: number;
  /**
   * Of the growth, what V8 keeps for itself: compiled code, object shapes (maps) and other hidden internals,
   * which grow while the JIT warms up and shrink when it flushes code; the rest is the program's data.
   */
  engineBytesDelta: number;
  /** The groups that grew most, by self size (at most `top`). */
  growths: GroupGrowth[];
}

/**
 * Compares two snapshots of one process: the retained heap of each and the `top` groups that grew most,
 * with a retainer path of a new object for the first `paths` of them.
 */
export function compareSnapshots(
  before: HeapSnapshot,
  after: HeapSnapshot,
  top = 15,
  paths = 15,
): HeapComparison {
  const earlier = before.summary();
  const later = after.summary();
  const known = before.ids();
  const fresh = new Map<string, HeapGroup & { nodes: number[] }>();
  for (let n = 0; n < after.nodeCount; n += 1) {
    if (known.has(after.id(n))) continue;
    const key = after.group(n);
    const group = fresh.get(key);
    if (group) {
      group.count += 1;
      group.bytes += after.selfSize(n);
      group.nodes.push(n);
    } else fresh.set(key, { count: 1, bytes: after.selfSize(n), nodes: [n] });
  }
  const keys = new Set([...earlier.keys(), ...later.keys()]);
  let engineBytesDelta = 0;
  for (const key of ENGINE_GROUPS)
    engineBytesDelta += (later.get(key)?.bytes ?? 0) - (earlier.get(key)?.bytes ?? 0);
  const growths: GroupGrowth[] = [...keys]
    .map((group) => {
      const a = earlier.get(group) ?? { count: 0, bytes: 0 };
      const b = later.get(group) ?? { count: 0, bytes: 0 };
      const f = fresh.get(group);
      return {
        group,
        countDelta: b.count - a.count,
        bytesDelta: b.bytes - a.bytes,
        newCount: f?.count ?? 0,
        newBytes: f?.bytes ?? 0,
        examplePath: null as string | null,
        heldBy: [] as string[],
      };
    })
    .sort((x, y) => y.bytesDelta - x.bytesDelta)
    .slice(0, top);
  for (const g of growths.slice(0, paths)) {
    const nodes = fresh.get(g.group)?.nodes;
    if (g.bytesDelta <= 0 || nodes === undefined) continue;
    g.examplePath = after.retainerPath(nodes.at(-1)!);
    g.heldBy = [...after.holders(nodes)].slice(0, 3).map(([holder, count]) => `${count} by ${holder}`);
  }
  return { beforeBytes: before.retainedBytes, afterBytes: after.retainedBytes, engineBytesDelta, growths };
}
