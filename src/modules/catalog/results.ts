// Recording a market's result. A result gives every selection an outcome — win, lose, void,
// half-win or half-lose — with a dead-heat fraction where winners tied and, on each-way
// markets, whether it was placed. It can be given as the winners, as every selection's
// outcome, as a score or a statistic's value (the market type works out the outcomes), or as
// void. A market is resulted once: the same result again changes nothing, a different one is
// refused. Correcting a result is a new version (`correctResult`), kept with who and why.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import { emit } from '../../platform/events/outbox.ts';
import { type Outcome, outcomesFromScore, resultByOf, type Score } from './market-types.ts';
import { lockMarketForResult } from './read.ts';

export type SelectionOutcome = Outcome;

/** A fraction "n/d" with 0 < n < d, e.g. "1/2" for a two-way dead heat. */
export interface Fraction {
  num: number;
  den: number;
}

export interface OutcomeInput {
  selectionId: string;
  outcome: Outcome;
  /** Dead heat: the fraction of the stake paid at the full price (win only). */
  deadHeat?: Fraction | undefined;
  /** Each-way markets: whether the selection was placed (default: won → placed). */
  place?: 'win' | 'lose' | 'void' | undefined;
  placeDeadHeat?: Fraction | undefined;
}

/** What a trader sends: exactly one of void, winners, outcomes, score or value. */
export interface ResultInput {
  void?: boolean | undefined;
  winners?: string[] | undefined;
  /** Each-way markets: selections placed besides the winners. */
  placed?: string[] | undefined;
  outcomes?: OutcomeInput[] | undefined;
  score?: Score | undefined;
  /** A statistic's value in thousandths (props). */
  value?: number | undefined;
  /** When the outcome became known; bets placed at or after it are void. */
  effectiveAt?: string | undefined;
}

/** Kept for callers of the first version: `{void: true}` or `{void: false, winners}`. */
export type MarketResult = { void: true } | { void: false; winners: string[] };

export interface SelectionResult {
  outcome: Outcome;
  deadHeat: Fraction | null;
  place: 'win' | 'lose' | 'void' | null;
  placeDeadHeat: Fraction | null;
  /** The market's effective time: a bet placed at or after it counts this leg as void. */
  effectiveAt: Date | null;
  /** When the market's current result was recorded (settlement lag is measured from it). */
  recordedAt?: Date | null;
}

export interface RecordedResult {
  marketId: string;
  version: number;
  void: boolean;
  winners: string[];
  effectiveAt: string | null;
  outcomes: ResolvedOutcome[];
}

export interface ResolvedOutcome {
  selectionId: string;
  outcome: Outcome;
  deadHeat: string | null;
  place: 'win' | 'lose' | 'void' | null;
  placeDeadHeat: string | null;
}

const invalidResult = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('invalid_result', 'invalid', message, details);

const fractionText = (f: Fraction | null | undefined) => (f ? `${f.num}/${f.den}` : null);

interface MarketForResult {
  type: string;
  line: number | null;
  eachWay: boolean;
  selections: { id: string; outcome: string | null }[];
}

async function marketForResult(tx: Tx, marketId: string): Promise<MarketForResult> {
  const [market] = await tx.query<{ type: string; line: number | null; each_way: boolean }>(
    `SELECT type, line, each_way_places IS NOT NULL AS each_way FROM catalog.markets WHERE id = $1 FOR UPDATE`,
    [marketId],
  );
  if (!market) throw notFound('market');
  const selections = await tx.query<{ id: string; outcome: string | null }>(
    'SELECT id, outcome FROM catalog.selections WHERE market_id = $1 ORDER BY display_order, id',
    [marketId],
  );
  return { type: market.type, line: market.line, eachWay: market.each_way, selections };
}

/** Every selection's outcome from what the trader sent, checked against the market. */
export function resolveOutcomes(market: MarketForResult, input: ResultInput): ResolvedOutcome[] {
  const given = [
    input.void === true,
    input.winners !== undefined,
    input.outcomes !== undefined,
    input.score !== undefined,
    input.value !== undefined,
  ].filter(Boolean).length;
  if (given !== 1) {
    throw invalidResult(
      'Send one of {"void": true}, {"winners": […]}, {"outcomes": […]}, {"score": {…}} or {"value": …}.',
    );
  }
  if (input.placed !== undefined && input.winners === undefined)
    throw invalidResult('"placed" goes with "winners".');
  if (input.placed !== undefined && !market.eachWay)
    throw invalidResult('This market has no each-way terms; nothing is placed.');
  const ids = new Set(market.selections.map((s) => s.id));
  const foreign = (list: string[]) => {
    const unknown = list.filter((id) => !ids.has(id));
    if (unknown.length > 0)
      throw invalidResult('A selection is not of this market.', { selectionIds: unknown });
    if (new Set(list).size !== list.length) throw invalidResult('A selection is named twice.');
  };
  const place = (outcome: Outcome, placed: boolean) =>
    market.eachWay ? (outcome === 'void' ? 'void' : placed ? 'win' : 'lose') : null;

  if (input.void === true) {
    return market.selections.map((s) => ({
      selectionId: s.id,
      outcome: 'void',
      deadHeat: null,
      place: market.eachWay ? 'void' : null,
      placeDeadHeat: null,
    }));
  }
  if (input.winners !== undefined) {
    if (input.winners.length === 0)
      throw invalidResult('Name at least one winning selection, or void the market.');
    foreign(input.winners);
    foreign(input.placed ?? []);
    const winners = new Set(input.winners);
    const placed = new Set([...winners, ...(input.placed ?? [])]);
    return market.selections.map((s) => {
      const outcome: Outcome = winners.has(s.id) ? 'win' : 'lose';
      return {
        selectionId: s.id,
        outcome,
        deadHeat: null,
        place: place(outcome, placed.has(s.id)),
        placeDeadHeat: null,
      };
    });
  }
  if (input.outcomes !== undefined) {
    foreign(input.outcomes.map((o) => o.selectionId));
    const byId = new Map(input.outcomes.map((o) => [o.selectionId, o]));
    return market.selections.map((s) => {
      const o = byId.get(s.id);
      const outcome: Outcome = o?.outcome ?? 'lose';
      for (const [name, f] of [
        ['deadHeat', o?.deadHeat],
        ['placeDeadHeat', o?.placeDeadHeat],
      ] as const) {
        if (f && !(f.num > 0 && f.num < f.den))
          throw invalidResult(`A ${name} is a fraction between 0 and 1, e.g. "1/2".`);
      }
      if (o?.deadHeat && outcome !== 'win')
        throw invalidResult('A dead heat applies to a winning selection.');
      if ((o?.place !== undefined || o?.placeDeadHeat) && !market.eachWay)
        throw invalidResult('This market has no each-way terms; nothing is placed.');
      const placeOutcome = market.eachWay
        ? (o?.place ?? (outcome === 'void' ? 'void' : outcome === 'win' ? 'win' : 'lose'))
        : null;
      if (o?.placeDeadHeat && placeOutcome !== 'win')
        throw invalidResult('A place dead heat applies to a placed selection.');
      if (outcome === 'win' && placeOutcome === 'lose')
        throw invalidResult('A winner is placed too.');
      return {
        selectionId: s.id,
        outcome,
        deadHeat: fractionText(o?.deadHeat),
        place: placeOutcome,
        placeDeadHeat: fractionText(o?.placeDeadHeat),
      };
    });
  }
  // A score or a value: the market type decides.
  const by = resultByOf(market.type);
  const wants =
    input.score !== undefined ? 'score' : input.value !== undefined ? 'value' : undefined;
  if (!(by === wants || (by === 'score_or_value' && wants !== undefined))) {
    throw invalidResult(
      by === 'winners'
        ? `A ${market.type} market is resulted by its winners or outcomes.`
        : `A ${market.type} market is resulted by a ${by === 'value' ? 'value' : 'score'}.`,
    );
  }
  const outcomes = outcomesFromScore(market, market.selections, {
    ...(input.score ? { score: input.score } : {}),
    ...(input.value !== undefined ? { value: input.value } : {}),
  });
  return market.selections.map((s) => {
    const outcome = outcomes.get(s.id) ?? 'lose';
    return {
      selectionId: s.id,
      outcome,
      deadHeat: null,
      place: market.eachWay ? place(outcome, outcome === 'win') : null,
      placeDeadHeat: null,
    };
  });
}

const sameOutcomes = (a: ResolvedOutcome[], b: ResolvedOutcome[]) => {
  const key = (list: ResolvedOutcome[]) =>
    JSON.stringify(
      [...list]
        .sort((x, y) => x.selectionId.localeCompare(y.selectionId))
        .map((o) => [o.selectionId, o.outcome, o.deadHeat, o.place, o.placeDeadHeat]),
    );
  return key(a) === key(b);
};

const parseFraction = (text: string | null): [number | null, number | null] => {
  if (!text) return [null, null];
  const [num, den] = text.split('/').map(Number);
  return [num ?? null, den ?? null];
};

async function writeVersion(
  tx: Tx,
  marketId: string,
  version: number,
  outcomes: ResolvedOutcome[],
  input: ResultInput,
  recordedBy: string | null,
  reason: string | null,
): Promise<RecordedResult> {
  const isVoid = outcomes.every((o) => o.outcome === 'void');
  const winners = outcomes
    .filter((o) => o.outcome === 'win' || o.outcome === 'half_win')
    .map((o) => o.selectionId);
  const effectiveAt = input.effectiveAt ?? null;
  const json = JSON.stringify(outcomes);
  await tx.query(
    `INSERT INTO catalog.market_result_versions
       (market_id, version, void, winners, outcomes, input, effective_at, recorded_by, reason)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9)`,
    [
      marketId,
      version,
      isVoid,
      winners,
      json,
      JSON.stringify(input),
      effectiveAt,
      recordedBy,
      reason,
    ],
  );
  await tx.query(
    `INSERT INTO catalog.market_results (market_id, void, winners, recorded_by, version, effective_at, reason, outcomes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
     ON CONFLICT (market_id) DO UPDATE SET void = $2, winners = $3, recorded_by = $4, recorded_at = now(),
       version = $5, effective_at = $6, reason = $7, outcomes = $8::jsonb`,
    [marketId, isVoid, winners, recordedBy, version, effectiveAt, reason, json],
  );
  const dh = outcomes.map((o) => parseFraction(o.deadHeat));
  const pdh = outcomes.map((o) => parseFraction(o.placeDeadHeat));
  await tx.query(
    `UPDATE catalog.selections s SET result = r.outcome, dead_heat_num = r.dhn, dead_heat_den = r.dhd,
       place_result = r.place, place_dead_heat_num = r.pdhn, place_dead_heat_den = r.pdhd, updated_at = now()
     FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::text[], $6::int[], $7::int[])
       AS r(id, outcome, dhn, dhd, place, pdhn, pdhd)
     WHERE s.id = r.id`,
    [
      outcomes.map((o) => o.selectionId),
      outcomes.map((o) => o.outcome),
      dh.map((d) => d[0]),
      dh.map((d) => d[1]),
      outcomes.map((o) => o.place),
      pdh.map((d) => d[0]),
      pdh.map((d) => d[1]),
    ],
  );
  await tx.query(
    `UPDATE catalog.markets SET status = 'settled', updated_at = now() WHERE id = $1`,
    [marketId],
  );
  return { marketId, version, void: isVoid, winners, effectiveAt, outcomes };
}

async function currentResult(q: Queryable, marketId: string) {
  const [row] = await q.query<{
    version: number;
    void: boolean;
    winners: string[];
    outcomes: ResolvedOutcome[];
    effective_at: Date | null;
  }>(
    'SELECT version, void, winners, outcomes, effective_at FROM catalog.market_results WHERE market_id = $1',
    [marketId],
  );
  return row;
}

const sameTime = (a: Date | null | undefined, b: string | null | undefined) =>
  (a ? a.getTime() : null) === (b ? new Date(b).getTime() : null);

/**
 * Records a market's first result. Placements hold the market's gate shared; this waits for
 * them (see read.ts), so every bet that saw the market open is settled by what follows.
 */
export async function recordResult(
  tx: Tx,
  marketId: string,
  input: ResultInput | MarketResult,
  recordedBy: string | null,
  reason: string | null = null,
): Promise<{ recorded: boolean; result: RecordedResult }> {
  await lockMarketForResult(tx, marketId);
  const market = await marketForResult(tx, marketId);
  const outcomes = resolveOutcomes(market, input as ResultInput);
  const current = await currentResult(tx, marketId);
  if (current) {
    if (
      sameOutcomes(current.outcomes, outcomes) &&
      sameTime(current.effective_at, (input as ResultInput).effectiveAt)
    ) {
      return { recorded: false, result: present(marketId, current) };
    }
    throw new DomainError(
      'market_already_resulted',
      'conflict',
      'This market already has a different result; correct it with a resettlement.',
      { result: { void: current.void, winners: current.winners, version: current.version } },
    );
  }
  const result = await writeVersion(
    tx,
    marketId,
    1,
    outcomes,
    input as ResultInput,
    recordedBy,
    reason,
  );
  await emit(tx, {
    type: 'market.resulted',
    aggregateId: marketId,
    payload: { marketId, void: result.void, winners: result.winners, version: 1 },
  });
  return { recorded: true, result };
}

/** Records a corrected result as the next version; the caller resettles the market's bets. */
export async function correctResult(
  tx: Tx,
  marketId: string,
  input: ResultInput,
  correctedBy: string,
  reason: string,
): Promise<RecordedResult> {
  await lockMarketForResult(tx, marketId);
  const market = await marketForResult(tx, marketId);
  const current = await currentResult(tx, marketId);
  if (!current) {
    throw new DomainError(
      'market_not_resulted',
      'conflict',
      'This market has no result to correct; record one first.',
    );
  }
  const outcomes = resolveOutcomes(market, input);
  if (
    sameOutcomes(current.outcomes, outcomes) &&
    sameTime(current.effective_at, input.effectiveAt)
  ) {
    throw new DomainError(
      'result_unchanged',
      'invalid',
      'The corrected result is the result the market has.',
      { version: current.version },
    );
  }
  const result = await writeVersion(
    tx,
    marketId,
    current.version + 1,
    outcomes,
    input,
    correctedBy,
    reason,
  );
  await emit(tx, {
    type: 'market.result_corrected',
    aggregateId: marketId,
    payload: {
      marketId,
      void: result.void,
      winners: result.winners,
      version: result.version,
      reason,
    },
  });
  return result;
}

const present = (
  marketId: string,
  row: NonNullable<Awaited<ReturnType<typeof currentResult>>>,
): RecordedResult => ({
  marketId,
  version: row.version,
  void: row.void,
  winners: row.winners,
  effectiveAt: row.effective_at ? row.effective_at.toISOString() : null,
  outcomes: row.outcomes,
});

export async function getMarketResult(
  q: Queryable,
  marketId: string,
): Promise<RecordedResult | undefined> {
  const row = await currentResult(q, marketId);
  return row ? present(marketId, row) : undefined;
}

/** Every version of a market's result, oldest first, with who recorded it and why. */
export async function resultHistory(q: Queryable, marketId: string) {
  const rows = await q.query<{
    version: number;
    void: boolean;
    winners: string[];
    outcomes: ResolvedOutcome[];
    effective_at: Date | null;
    recorded_by: string | null;
    reason: string | null;
    recorded_at: Date;
  }>(
    `SELECT version, void, winners, outcomes, effective_at, recorded_by, reason, recorded_at
     FROM catalog.market_result_versions WHERE market_id = $1 ORDER BY version`,
    [marketId],
  );
  return rows.map((r) => ({
    version: r.version,
    void: r.void,
    winners: r.winners,
    outcomes: r.outcomes,
    effectiveAt: r.effective_at ? r.effective_at.toISOString() : null,
    recordedBy: r.recorded_by,
    reason: r.reason,
    recordedAt: r.recorded_at.toISOString(),
  }));
}

const fraction = (num: number | null, den: number | null): Fraction | null =>
  num !== null && den !== null ? { num, den } : null;

/** Results of resulted selections; selections without a result are absent. */
export async function selectionOutcomes(
  q: Queryable,
  selectionIds: string[],
): Promise<Map<string, SelectionResult>> {
  const rows = await q.query<{
    id: string;
    result: Outcome;
    dead_heat_num: number | null;
    dead_heat_den: number | null;
    place_result: 'win' | 'lose' | 'void' | null;
    place_dead_heat_num: number | null;
    place_dead_heat_den: number | null;
    effective_at: Date | null;
    recorded_at: Date | null;
  }>(
    `SELECT s.id, s.result, s.dead_heat_num, s.dead_heat_den, s.place_result, s.place_dead_heat_num,
            s.place_dead_heat_den, r.effective_at, r.recorded_at
     FROM catalog.selections s LEFT JOIN catalog.market_results r ON r.market_id = s.market_id
     WHERE s.id = ANY($1::uuid[]) AND s.result IS NOT NULL`,
    [selectionIds],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        outcome: r.result,
        deadHeat: fraction(r.dead_heat_num, r.dead_heat_den),
        place: r.place_result,
        placeDeadHeat: fraction(r.place_dead_heat_num, r.place_dead_heat_den),
        effectiveAt: r.effective_at,
        recordedAt: r.recorded_at,
      },
    ]),
  );
}

/** Markets that are resulted; the settlement sweep looks for open bets on them. */
export async function resultedMarketIds(q: Queryable, since: Date): Promise<string[]> {
  const rows = await q.query<{ market_id: string }>(
    'SELECT market_id FROM catalog.market_results WHERE recorded_at >= $1 ORDER BY recorded_at',
    [since],
  );
  return rows.map((r) => r.market_id);
}
