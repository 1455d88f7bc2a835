// Recording a market's result. A market is resulted once: the same result again changes
// nothing, a different one is refused (correcting a result is resettlement, its own flow).
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import { emit } from '../../platform/events/outbox.ts';
import { lockMarketForResult } from './read.ts';

export type MarketResult = { void: true } | { void: false; winners: string[] };
export type SelectionOutcome = 'win' | 'lose' | 'void';

const sameResult = (a: MarketResult, b: MarketResult) =>
  a.void === b.void &&
  (a.void || b.void || [...a.winners].sort().join() === [...b.winners].sort().join());

export async function recordResult(
  tx: Tx,
  marketId: string,
  result: MarketResult,
  recordedBy: string,
): Promise<{ recorded: boolean }> {
  await lockMarketForResult(tx, marketId);
  const [market] = await tx.query<{ status: string }>(
    'SELECT status FROM catalog.markets WHERE id = $1 FOR UPDATE',
    [marketId],
  );
  if (!market) throw notFound('market');
  const recorded = await getMarketResult(tx, marketId);
  if (recorded) {
    if (sameResult(recorded, result)) return { recorded: false };
    throw new DomainError(
      'market_already_resulted',
      'conflict',
      'This market already has a different result.',
      { result: recorded },
    );
  }
  const selections = await tx.query<{ id: string }>(
    'SELECT id FROM catalog.selections WHERE market_id = $1',
    [marketId],
  );
  const ids = new Set(selections.map((s) => s.id));
  if (!result.void) {
    if (result.winners.length === 0) {
      throw new DomainError(
        'invalid_result',
        'invalid',
        'Name at least one winning selection, or void the market.',
      );
    }
    if (new Set(result.winners).size !== result.winners.length) {
      throw new DomainError('invalid_result', 'invalid', 'A winning selection is named twice.');
    }
    const foreign = result.winners.filter((w) => !ids.has(w));
    if (foreign.length > 0) {
      throw new DomainError(
        'invalid_result',
        'invalid',
        'A winner is not a selection of this market.',
        {
          selectionIds: foreign,
        },
      );
    }
  }
  const winners = result.void ? [] : result.winners;
  await tx.query(
    'INSERT INTO catalog.market_results (market_id, void, winners, recorded_by) VALUES ($1, $2, $3, $4)',
    [marketId, result.void, winners, recordedBy],
  );
  await tx.query(
    `UPDATE catalog.selections SET result = CASE WHEN $2 THEN 'void' WHEN id = ANY($3::uuid[]) THEN 'win' ELSE 'lose' END,
       updated_at = now()
     WHERE market_id = $1`,
    [marketId, result.void, winners],
  );
  await tx.query(
    `UPDATE catalog.markets SET status = 'settled', updated_at = now() WHERE id = $1`,
    [marketId],
  );
  await emit(tx, {
    type: 'market.resulted',
    aggregateId: marketId,
    payload: { marketId, void: result.void, winners },
  });
  return { recorded: true };
}

export async function getMarketResult(
  q: Queryable,
  marketId: string,
): Promise<MarketResult | undefined> {
  const [row] = await q.query<{ void: boolean; winners: string[] }>(
    'SELECT void, winners FROM catalog.market_results WHERE market_id = $1',
    [marketId],
  );
  if (!row) return undefined;
  return row.void ? { void: true } : { void: false, winners: row.winners };
}

/** Outcomes of resulted selections; selections without a result are absent. */
export async function selectionOutcomes(
  q: Queryable,
  selectionIds: string[],
): Promise<Map<string, SelectionOutcome>> {
  const rows = await q.query<{ id: string; result: SelectionOutcome }>(
    'SELECT id, result FROM catalog.selections WHERE id = ANY($1::uuid[]) AND result IS NOT NULL',
    [selectionIds],
  );
  return new Map(rows.map((r) => [r.id, r.result]));
}

/** Markets that are resulted; the settlement sweep looks for open bets on them. */
export async function resultedMarketIds(q: Queryable, since: Date): Promise<string[]> {
  const rows = await q.query<{ market_id: string }>(
    'SELECT market_id FROM catalog.market_results WHERE recorded_at >= $1 ORDER BY recorded_at',
    [since],
  );
  return rows.map((r) => r.market_id);
}
