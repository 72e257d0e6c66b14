/**
 * The transcripts print the guard of each branch taken through guardLabel, whatever form the machine
 * writes it in: each form below is read back from a tiny machine's own transition, as the transcripts read
 * electionMachine's.
 */
import { describe, expect, it } from 'vitest';
import { and, not, or, setup, stateIn } from 'xstate';
import { guardLabel } from './guard-label.ts';

const tiny = setup({
  types: { context: {} as { n: number }, events: {} as { type: 'GO' } },
  guards: {
    ready: () => true,
    busy: () => false,
    above: (_, params: { n: number }) => params.n > 0,
    idle: not('busy'),
  },
});

/** The guard on the branch `GO` takes from state `a` of a machine whose `a` has the transitions `on`. */
function takenGuard(on: NonNullable<Parameters<typeof tiny.createMachine>[0]['on']>): unknown {
  const machine = tiny.createMachine({
    context: { n: 1 },
    initial: 'a',
    states: { a: { on }, b: {} },
  });
  const snapshot = machine.resolveState({ value: 'a', context: { n: 1 } });
  return machine.getTransitionData(snapshot, { type: 'GO' })[0]?.guard;
}

describe('guardLabel', () => {
  it('a named guard prints its name', () => {
    expect(guardLabel(takenGuard({ GO: { guard: 'ready', target: 'b' } }))).toBe('ready');
  });

  it('a named guard defined in setup() as not(...) prints the name the transition uses', () => {
    expect(guardLabel(takenGuard({ GO: { guard: 'idle', target: 'b' } }))).toBe('idle');
  });

  it('a parameterised guard prints its type and params', () => {
    expect(guardLabel(takenGuard({ GO: { guard: { type: 'above', params: { n: 3 } }, target: 'b' } }))).toBe(
      'above({"n":3})',
    );
    expect(guardLabel(takenGuard({ GO: { guard: { type: 'ready' }, target: 'b' } }))).toBe('ready');
    const dynamic = takenGuard({
      GO: { guard: { type: 'above', params: ({ context }) => ({ n: context.n }) }, target: 'b' },
    });
    expect(guardLabel(dynamic)).toBe('above(params)');
  });

  it('the higher-order guards print as calls, nested', () => {
    expect(guardLabel(takenGuard({ GO: { guard: not('busy'), target: 'b' } }))).toBe('not(busy)');
    expect(guardLabel(takenGuard({ GO: { guard: and(['ready', not('busy')]), target: 'b' } }))).toBe(
      'and(ready, not(busy))',
    );
    expect(
      guardLabel(
        takenGuard({ GO: { guard: or(['busy', and(['ready', { type: 'above', params: { n: 1 } }])]) } }),
      ),
    ).toBe('or(busy, and(ready, above({"n":1})))');
    expect(guardLabel(takenGuard({ GO: { guard: stateIn('a'), target: 'b' } }))).toBe('stateIn("a")');
  });

  it('an inline guard prints its function name, or inline when it has none of its own', () => {
    function positive({ context }: { context: { n: number } }): boolean {
      return context.n > 0;
    }
    expect(guardLabel(takenGuard({ GO: { guard: positive, target: 'b' } }))).toBe('positive');
    expect(guardLabel(takenGuard({ GO: { guard: ({ context }) => context.n > 0, target: 'b' } }))).toBe(
      'inline',
    );
    expect(guardLabel(takenGuard({ GO: { guard: not(({ context }) => context.n < 0), target: 'b' } }))).toBe(
      'not(inline)',
    );
  });

  it('an unguarded branch has no guard to print', () => {
    expect(takenGuard({ GO: { target: 'b' } })).toBeUndefined();
  });
});
