import { describe, expect, it } from 'vitest';
import type { SelectionOutcome, SelectionResult } from '../catalog/index.ts';
import { judge as judgeBet, settlementMoves } from './rules.ts';

const legs = (...prices: number[]) => prices.map((price, i) => ({ selectionId: `s${i}`, price }));
const result = (outcome: SelectionOutcome): SelectionResult => ({
  outcome,
  deadHeat: null,
  place: null,
  placeDeadHeat: null,
  effectiveAt: null,
});
const outcomes = (...results: (SelectionOutcome | undefined)[]) =>
  new Map(results.flatMap((r, i) => (r ? [[`s${i}`, result(r)] as const] : [])));

/** A single (one leg) or a multiple (several) of `stake`, as placed. */
const judge = (
  stake: bigint,
  bet: { selectionId: string; price: number }[],
  map: ReadonlyMap<string, SelectionResult>,
) =>
  judgeBet(
    {
      stake,
      openStake: stake,
      placedAt: new Date('2030-01-01T00:00:00Z'),
      shape: {
        kind: bet.length === 1 ? 'single' : 'multiple',
        sizes: [bet.length],
        eachWay: false,
        stakePerLine: stake,
        prices: bet.map((l) => l.price),
      },
      legs: bet.map((l) => ({ ...l, eachWay: null })),
    },
    map,
  );

describe('judge', () => {
  it('pays a winning single stake × price, rounded down to the minor unit', () => {
    expect(judge(333n, legs(2375), outcomes('win'))).toEqual({ status: 'won', payout: 790n });
    expect(judge(1000n, legs(2375), outcomes('win'))).toEqual({ status: 'won', payout: 2375n });
    expect(judge(1n, legs(1999), outcomes('win'))).toEqual({ status: 'won', payout: 1n });
    expect(judge(10n, legs(1001), outcomes('win'))).toEqual({ status: 'won', payout: 10n });
  });

  it('loses a losing single for nothing', () => {
    expect(judge(500n, legs(3400), outcomes('lose'))).toEqual({ status: 'lost', payout: 0n });
  });

  it('returns the stake of a void single', () => {
    expect(judge(500n, legs(3400), outcomes('void'))).toEqual({ status: 'void', payout: 500n });
  });

  it('leaves a bet undecided while a leg has no outcome', () => {
    expect(judge(500n, legs(2000), outcomes())).toBeUndefined();
    expect(judge(500n, legs(2000, 3000), outcomes('win'))).toBeUndefined();
    expect(judge(500n, legs(2000, 3000, 1500), outcomes('win', undefined, 'void'))).toBeUndefined();
    expect(judge(500n, legs(2000, 3000), outcomes('void'))).toBeUndefined();
  });

  it('loses a multiple as soon as one leg loses, whatever the other legs', () => {
    expect(judge(500n, legs(2000, 3000, 1500), outcomes(undefined, 'lose'))).toEqual({
      status: 'lost',
      payout: 0n,
    });
    expect(judge(500n, legs(2000, 3000), outcomes('void', 'lose'))).toEqual({
      status: 'lost',
      payout: 0n,
    });
    expect(judge(500n, legs(2000, 3000), outcomes('win', 'lose'))).toEqual({
      status: 'lost',
      payout: 0n,
    });
  });

  it('pays a winning multiple stake × the product of prices, rounded down once', () => {
    // 777 × 2.375 × 1.333 × 3.777 = 9290.985…
    expect(judge(777n, legs(2375, 1333, 3777), outcomes('win', 'win', 'win'))).toEqual({
      status: 'won',
      payout: 9290n,
    });
    // 999 × 1.333 × 1.777 = 2366.38…; rounding after each leg would give 2365.
    expect(judge(999n, legs(1333, 1777), outcomes('win', 'win'))).toEqual({
      status: 'won',
      payout: 2366n,
    });
  });

  it('counts a void leg of a multiple at 1.00', () => {
    expect(judge(1001n, legs(2000, 1500, 3000), outcomes('win', 'void', 'win'))).toEqual({
      status: 'won',
      payout: 6006n,
    });
    expect(judge(333n, legs(2375, 5000), outcomes('win', 'void'))).toEqual({
      status: 'won',
      payout: 790n,
    });
  });

  it('voids a multiple whose every leg is void, returning the stake', () => {
    expect(judge(750n, legs(2000, 3000), outcomes('void', 'void'))).toEqual({
      status: 'void',
      payout: 750n,
    });
  });

  it('keeps payouts exact for amounts beyond float precision', () => {
    const stake = 900_719_925_474_099n; // > 2^53 / 10
    expect(judge(stake, legs(1001, 1001), outcomes('win', 'win'))).toEqual({
      status: 'won',
      payout: (stake * 1001n * 1001n) / 1_000_000n,
    });
  });

  it('ignores outcomes of selections the bet does not have', () => {
    const map = new Map<string, SelectionResult>([
      ['s0', result('win')],
      ['other', result('lose')],
    ]);
    expect(judge(100n, legs(2000), map)).toEqual({ status: 'won', payout: 200n });
  });
});

describe('settlementMoves', () => {
  it('returns the stake and pays winnings from the house for a win', () => {
    expect(settlementMoves(333n, 790n)).toEqual({ returned: 333n, lost: 0n, winnings: 457n });
  });

  it('sends the whole stake to the house for a loss', () => {
    expect(settlementMoves(500n, 0n)).toEqual({ returned: 0n, lost: 500n, winnings: 0n });
  });

  it('returns the stake and nothing else for a void', () => {
    expect(settlementMoves(500n, 500n)).toEqual({ returned: 500n, lost: 0n, winnings: 0n });
  });

  it('returns part and loses the rest when the payout is below the stake', () => {
    expect(settlementMoves(500n, 200n)).toEqual({ returned: 200n, lost: 300n, winnings: 0n });
  });

  it('always moves exactly the stake out of held and exactly the payout into cash', () => {
    for (const [stake, payout] of [
      [1n, 0n],
      [1n, 1n],
      [10n, 21n],
      [1000n, 999n],
      [1_000_000n, 100_000_000n],
    ] as const) {
      const m = settlementMoves(stake, payout);
      expect(m.returned + m.lost).toBe(stake);
      expect(m.returned + m.winnings).toBe(payout);
      for (const amount of Object.values(m)) expect(amount >= 0n).toBe(true);
    }
  });
});
