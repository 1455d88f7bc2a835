import { describe, expect, it } from 'vitest';
import { DomainError } from '../../platform/errors.ts';
import { checkMarketType, outcomesFromScore, type Score } from './market-types.ts';

/** Outcome of each selection code of a market of `type` (line in thousandths) for a score. */
function settle(
  type: string,
  codes: string[],
  score: Score | { value: number },
  line: number | null = null,
) {
  const selections = codes.map((code) => ({ id: code, outcome: code }));
  const result = 'value' in score ? { value: score.value } : { score };
  return Object.fromEntries(outcomesFromScore({ type, line }, selections, result));
}

describe('market types settle from a score', () => {
  it('settles match result (1X2) on the final score', () => {
    expect(settle('match_result', ['home', 'draw', 'away'], { home: 2, away: 1 })).toEqual({
      home: 'win',
      draw: 'lose',
      away: 'lose',
    });
    expect(settle('match_result', ['home', 'draw', 'away'], { home: 1, away: 1 })).toEqual({
      home: 'lose',
      draw: 'win',
      away: 'lose',
    });
  });

  it('voids money line and draw no bet on a draw', () => {
    for (const type of ['money_line', 'draw_no_bet']) {
      expect(settle(type, ['home', 'away'], { home: 0, away: 0 })).toEqual({
        home: 'void',
        away: 'void',
      });
      expect(settle(type, ['home', 'away'], { home: 0, away: 3 })).toEqual({
        home: 'lose',
        away: 'win',
      });
    }
  });

  it('wins two of three double-chance selections', () => {
    const codes = ['home_draw', 'home_away', 'draw_away'];
    expect(settle('double_chance', codes, { home: 1, away: 1 })).toEqual({
      home_draw: 'win',
      home_away: 'lose',
      draw_away: 'win',
    });
    expect(settle('double_chance', codes, { home: 3, away: 1 })).toEqual({
      home_draw: 'win',
      home_away: 'win',
      draw_away: 'lose',
    });
  });

  it.each([
    // line, total goals, over, under
    [2500, 3, 'win', 'lose'],
    [2500, 2, 'lose', 'win'],
    [2000, 2, 'void', 'void'],
    [2000, 3, 'win', 'lose'],
    [2250, 2, 'half_lose', 'half_win'], // half on 2.0 (void), half on 2.5 (lost)
    [2250, 3, 'win', 'lose'],
    [2750, 3, 'half_win', 'half_lose'], // half on 2.5 (won), half on 3.0 (void)
    [2750, 2, 'lose', 'win'],
    [250, 0, 'half_lose', 'half_win'], // half on 0.0 (void), half on 0.5 (lost)
  ])('settles over/under %i with %i goals: over %s, under %s', (line, goals, over, under) => {
    expect(settle('over_under', ['over', 'under'], { home: goals, away: 0 }, line)).toEqual({
      over,
      under,
    });
  });

  it.each([
    // home handicap, home goals, away goals, home, away
    [-500, 1, 0, 'win', 'lose'],
    [-500, 1, 1, 'lose', 'win'],
    [0, 1, 1, 'void', 'void'],
    [-1000, 2, 1, 'void', 'void'],
    [-1000, 3, 1, 'win', 'lose'],
    [-250, 1, 1, 'half_lose', 'half_win'], // half on 0 (void), half on −0.5 (lost)
    [250, 1, 1, 'half_win', 'half_lose'], // half on 0 (void), half on +0.5 (won)
    [-750, 2, 1, 'half_win', 'half_lose'], // half on −0.5 (won), half on −1.0 (void)
    [-750, 1, 1, 'lose', 'win'],
    [-1250, 2, 1, 'half_lose', 'half_win'], // half on −1.0 (void), half on −1.5 (lost)
    [1750, 0, 2, 'half_lose', 'half_win'], // +1.5 (lost by 2), +2.0 (void)
  ])('settles Asian handicap %i at %i–%i: home %s, away %s', (line, home, away, h, a) => {
    expect(settle('asian_handicap', ['home', 'away'], { home, away }, line)).toEqual({
      home: h,
      away: a,
    });
  });

  it('settles both teams to score and correct score, with "other" for an unlisted score', () => {
    expect(settle('both_teams_to_score', ['yes', 'no'], { home: 1, away: 0 })).toEqual({
      yes: 'lose',
      no: 'win',
    });
    expect(settle('both_teams_to_score', ['yes', 'no'], { home: 2, away: 2 })).toEqual({
      yes: 'win',
      no: 'lose',
    });
    const codes = ['score_1_0', 'score_2_1', 'other'];
    expect(settle('correct_score', codes, { home: 2, away: 1 })).toEqual({
      score_1_0: 'lose',
      score_2_1: 'win',
      other: 'lose',
    });
    expect(settle('correct_score', codes, { home: 4, away: 4 })).toEqual({
      score_1_0: 'lose',
      score_2_1: 'lose',
      other: 'win',
    });
  });

  it("settles a prop over/under on the statistic's value", () => {
    expect(settle('prop_over_under', ['over', 'under'], { value: 27_000 }, 26_500)).toEqual({
      over: 'win',
      under: 'lose',
    });
    expect(settle('prop_over_under', ['over', 'under'], { value: 27_000 }, 27_000)).toEqual({
      over: 'void',
      under: 'void',
    });
    expect(settle('prop_over_under', ['over', 'under'], { value: 27_000 }, 27_250)).toEqual({
      over: 'half_lose',
      under: 'half_win',
    });
  });
});

describe('market types check new markets', () => {
  const refused = (market: Parameters<typeof checkMarketType>[0]) => {
    try {
      checkMarketType(market);
    } catch (error) {
      return (error as DomainError).code;
    }
    return undefined;
  };
  const sel = (...codes: string[]) => codes.map((outcome) => ({ outcome }));

  it('needs every outcome of a known type exactly once', () => {
    expect(
      refused({ type: 'match_result', selections: sel('home', 'draw', 'away') }),
    ).toBeUndefined();
    expect(refused({ type: 'match_result', selections: sel('home', 'away') })).toBe(
      'invalid_market',
    );
    expect(refused({ type: 'match_result', selections: sel('home', 'home', 'away') })).toBe(
      'invalid_market',
    );
    expect(
      refused({ type: 'correct_score', selections: sel('score_1_0', 'other') }),
    ).toBeUndefined();
    expect(refused({ type: 'correct_score', selections: sel('1-0', 'other') })).toBe(
      'invalid_market',
    );
  });

  it('needs a line in quarters where the type has one, and none where it has not', () => {
    expect(
      refused({ type: 'over_under', line: 2250, selections: sel('over', 'under') }),
    ).toBeUndefined();
    expect(refused({ type: 'over_under', selections: sel('over', 'under') })).toBe(
      'invalid_market',
    );
    expect(refused({ type: 'over_under', line: 2100, selections: sel('over', 'under') })).toBe(
      'invalid_market',
    );
    expect(refused({ type: 'over_under', line: -500, selections: sel('over', 'under') })).toBe(
      'invalid_market',
    );
    expect(
      refused({ type: 'asian_handicap', line: -1250, selections: sel('home', 'away') }),
    ).toBeUndefined();
    expect(
      refused({ type: 'match_result', line: 500, selections: sel('home', 'draw', 'away') }),
    ).toBe('invalid_market');
  });

  it('allows each-way terms on outrights only, and leaves unknown types alone', () => {
    expect(refused({ type: 'outright', selections: sel('a', 'b'), eachWay: {} })).toBeUndefined();
    expect(
      refused({ type: 'match_result', selections: sel('home', 'draw', 'away'), eachWay: {} }),
    ).toBe('invalid_market');
    expect(refused({ type: 'total_180s', line: 8500, selections: sel() })).toBeUndefined();
  });

  it('is an error a trader sees, not a crash', () => {
    expect(() => checkMarketType({ type: 'money_line', selections: sel('x', 'y') })).toThrow(
      DomainError,
    );
  });
});
