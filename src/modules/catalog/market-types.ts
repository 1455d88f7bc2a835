// Market types and how each one settles. A known type fixes its selections' `outcome` codes and
// whether it has a line; a result can then be given as a score (or a statistic's value) and the
// type works out every selection's outcome. Any other type is a generic market settled by
// naming its winners or every selection's outcome.
//
// Lines are thousandths. Over/under and Asian handicap lines may be quarter lines (x.25, x.75):
// the stake is split over the two neighbouring lines (2.25 = half on 2.0, half on 2.5), which
// gives half-won and half-lost outcomes.
import { DomainError } from '../../platform/errors.ts';

export type Outcome = 'win' | 'lose' | 'void' | 'half_win' | 'half_lose';

export interface Score {
  home: number;
  away: number;
}

type LineRule = 'none' | 'required' | 'quarter';

interface MarketType {
  description: string;
  /** The selections' outcome codes: all of them, exactly (a list), or a pattern each matches. */
  outcomes: readonly string[] | RegExp;
  line: LineRule;
  /** How a result is given besides winners/outcomes: a score, a statistic's value, or neither. */
  resultBy: 'score' | 'value' | 'score_or_value' | 'winners';
  /** Each-way terms allowed (outrights). */
  eachWay?: boolean;
  /** Outcome of the selection with this code, from the result. */
  settle?: (
    code: string,
    line: number | null,
    result: { score?: Score; value?: number },
  ) => Outcome;
}

const byResult = (home: number, away: number) =>
  home > away ? 'home' : home < away ? 'away' : 'draw';

/** The outcome of a bet on "over `line`" when the total is `total` (thousandths both). */
function overOutcome(total: number, line: number): Outcome {
  if (Math.abs(line % 500) === 250) {
    return combineHalves(overOutcome(total, line - 250), overOutcome(total, line + 250));
  }
  return total > line ? 'win' : total < line ? 'lose' : 'void';
}

/** Two half stakes on neighbouring lines make one outcome. */
function combineHalves(a: Outcome, b: Outcome): Outcome {
  if (a === b) return a;
  const pair = new Set([a, b]);
  if (pair.has('win') && pair.has('void')) return 'half_win';
  if (pair.has('lose') && pair.has('void')) return 'half_lose';
  throw new Error(`neighbouring lines cannot settle ${a} and ${b}`);
}

const flip = (o: Outcome): Outcome =>
  ({ win: 'lose', lose: 'win', void: 'void', half_win: 'half_lose', half_lose: 'half_win' })[
    o
  ] as Outcome;

const scoreOf = (result: { score?: Score }) => {
  if (!result.score) throw new Error('a score is needed');
  return result.score;
};

const totalOf = (result: { score?: Score; value?: number }) =>
  result.value ?? (scoreOf(result).home + scoreOf(result).away) * 1000;

const winIf = (condition: boolean): Outcome => (condition ? 'win' : 'lose');

export const MARKET_TYPES: Record<string, MarketType> = {
  match_result: {
    description: 'Match result (1X2): home, draw or away.',
    outcomes: ['home', 'draw', 'away'],
    line: 'none',
    resultBy: 'score',
    settle: (code, _line, r) => winIf(byResult(scoreOf(r).home, scoreOf(r).away) === code),
  },
  money_line: {
    description: 'Money line: home or away; a draw voids both.',
    outcomes: ['home', 'away'],
    line: 'none',
    resultBy: 'score',
    settle: (code, _line, r) => {
      const winner = byResult(scoreOf(r).home, scoreOf(r).away);
      return winner === 'draw' ? 'void' : winIf(winner === code);
    },
  },
  draw_no_bet: {
    description: 'Draw no bet: home or away; stakes are returned on a draw.',
    outcomes: ['home', 'away'],
    line: 'none',
    resultBy: 'score',
    settle: (code, _line, r) => {
      const winner = byResult(scoreOf(r).home, scoreOf(r).away);
      return winner === 'draw' ? 'void' : winIf(winner === code);
    },
  },
  double_chance: {
    description: 'Double chance: two of the three match results (home_draw, home_away, draw_away).',
    outcomes: ['home_draw', 'home_away', 'draw_away'],
    line: 'none',
    resultBy: 'score',
    settle: (code, _line, r) =>
      winIf(code.split('_').includes(byResult(scoreOf(r).home, scoreOf(r).away))),
  },
  over_under: {
    description:
      'Total over/under a line (any line; quarter lines split the stake over the two neighbouring lines).',
    outcomes: ['over', 'under'],
    line: 'quarter',
    resultBy: 'score_or_value',
    settle: (code, line, r) => {
      const over = overOutcome(totalOf(r), line ?? 0);
      return code === 'over' ? over : flip(over);
    },
  },
  asian_handicap: {
    description:
      "Asian handicap: the line is the home side's handicap; whole lines return the stake on a tie, quarter lines half-win or half-lose.",
    outcomes: ['home', 'away'],
    line: 'quarter',
    resultBy: 'score',
    settle: (code, line, r) => {
      const { home, away } = scoreOf(r);
      // Home covers when (home − away) + line > 0: an "over" bet on the margin at −line.
      const homeOutcome = overOutcome((home - away) * 1000, -(line ?? 0));
      return code === 'home' ? homeOutcome : flip(homeOutcome);
    },
  },
  both_teams_to_score: {
    description: 'Both teams to score: yes or no.',
    outcomes: ['yes', 'no'],
    line: 'none',
    resultBy: 'score',
    settle: (code, _line, r) => {
      const both = scoreOf(r).home > 0 && scoreOf(r).away > 0;
      return winIf(both === (code === 'yes'));
    },
  },
  correct_score: {
    description:
      'Correct score: selections score_<home>_<away> (e.g. score_2_1) and optionally "other" for any score not listed.',
    outcomes: /^(score_[0-9]{1,2}_[0-9]{1,2}|other)$/,
    line: 'none',
    resultBy: 'score',
  },
  outright: {
    description:
      'Outright (winner of a competition): any selections, settled by naming the winners; each-way terms allowed; dead heats by fraction.',
    outcomes: /^[a-z0-9_]{1,40}$/,
    line: 'none',
    resultBy: 'winners',
    eachWay: true,
  },
  prop_yes_no: {
    description: 'A player or team proposition answered yes or no.',
    outcomes: ['yes', 'no'],
    line: 'none',
    resultBy: 'winners',
  },
  prop_over_under: {
    description:
      "A player or team statistic over/under a line, settled by the statistic's value (quarter lines allowed).",
    outcomes: ['over', 'under'],
    line: 'quarter',
    resultBy: 'value',
    settle: (code, line, r) => {
      if (r.value === undefined) throw new Error('a value is needed');
      const over = overOutcome(r.value, line ?? 0);
      return code === 'over' ? over : flip(over);
    },
  },
};

export const KNOWN_MARKET_TYPES = Object.keys(MARKET_TYPES);

const invalidMarket = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('invalid_market', 'invalid', message, details);

/** Checks a new market of a known type: its selections' outcome codes and its line. */
export function checkMarketType(market: {
  type: string;
  line?: number | undefined;
  selections: { outcome?: string | undefined }[];
  eachWay?: unknown;
}): void {
  const rule = MARKET_TYPES[market.type];
  if (!rule) return;
  const codes = market.selections.map((s) => s.outcome ?? '');
  if (Array.isArray(rule.outcomes)) {
    const expected = [...rule.outcomes].sort().join(',');
    if ([...codes].sort().join(',') !== expected) {
      throw invalidMarket(
        `A ${market.type} market has one selection for each outcome: ${rule.outcomes.join(', ')}.`,
        { type: market.type, outcomes: rule.outcomes },
      );
    }
  } else {
    const pattern = rule.outcomes as RegExp;
    const bad = codes.filter((c) => !pattern.test(c));
    if (bad.length > 0 || new Set(codes).size !== codes.length) {
      throw invalidMarket(
        `Every selection of a ${market.type} market needs its own outcome code matching ${pattern.source}.`,
        { type: market.type },
      );
    }
  }
  if (rule.line === 'none' && market.line !== undefined)
    throw invalidMarket(`A ${market.type} market has no line.`, { type: market.type });
  if (rule.line !== 'none') {
    if (market.line === undefined)
      throw invalidMarket(`A ${market.type} market needs a line.`, { type: market.type });
    if (market.line % 250 !== 0)
      throw invalidMarket('The line must be a multiple of 0.25.', { type: market.type });
    if (market.type !== 'asian_handicap' && market.line < 0)
      throw invalidMarket('A total cannot be negative.', { type: market.type });
  }
  if (market.eachWay && !rule.eachWay)
    throw invalidMarket(`A ${market.type} market has no each-way terms.`, { type: market.type });
}

/** How a known market type is resulted; generic markets by winners or outcomes. */
export const resultByOf = (type: string) => MARKET_TYPES[type]?.resultBy ?? 'winners';

/**
 * Every selection's outcome from a score or a statistic's value. Correct score: the listed
 * score wins, or "other" when the score is not listed.
 */
export function outcomesFromScore(
  market: { type: string; line: number | null },
  selections: readonly { id: string; outcome: string | null }[],
  result: { score?: Score; value?: number },
): Map<string, Outcome> {
  const rule = MARKET_TYPES[market.type];
  if (market.type === 'correct_score') {
    const { home, away } = scoreOf(result);
    const code = `score_${home}_${away}`;
    const listed = selections.some((s) => s.outcome === code);
    return new Map(
      selections.map((s) => [s.id, winIf(listed ? s.outcome === code : s.outcome === 'other')]),
    );
  }
  if (!rule?.settle) throw new Error(`${market.type} is not settled by a score`);
  const settle = rule.settle;
  return new Map(selections.map((s) => [s.id, settle(s.outcome ?? '', market.line, result)]));
}
