// Reconciliation: what the database holds, against the ledger's own invariant and against an
// independent model built only from what clients were told. Each check returns figures that
// must all be 0.
import { checkLedger } from '../../../src/modules/wallet/index.ts';
import type { Queryable } from '../../../src/platform/db/db.ts';
import { assertBetInvariants } from '../../support/bet-invariants.ts';
import type { Op } from './client.ts';

/** Scenario 1, after every scenario: zero-sum per currency, balances = Σ transfers. */
export async function ledgerFigures(db: Queryable): Promise<Record<string, number>> {
  const ledger = await checkLedger(db);
  let betBreaks = 0;
  try {
    await assertBetInvariants(db);
  } catch (error) {
    betBreaks = 1;
    process.stderr.write(`bet invariant broken: ${(error as Error).message.slice(0, 2000)}\n`);
  }
  return {
    ledger_sum: ledger.currencies.reduce((n, c) => n + Math.abs(Number(c.sum)), 0),
    drift_accounts: ledger.drift.length,
    negative_balances: ledger.negative.length,
    bet_invariant_breaks: betBreaks,
  };
}

/** Cash balance of each player's wallet (minor units). */
export async function cashBalances(db: Queryable, players: string[]): Promise<Map<string, bigint>> {
  const rows = await db.query<{ owner_id: string; balance: bigint }>(
    `SELECT owner_id, balance FROM wallet.accounts WHERE kind = 'player_cash' AND owner_id = ANY($1::uuid[])`,
    [players],
  );
  return new Map(rows.map((r) => [r.owner_id, BigInt(r.balance)]));
}

/**
 * The independent model: each player's cash is what they started with, plus the deposits
 * they were told succeeded, minus the stakes and withdrawals they were told were accepted
 * (plus `credits`, e.g. payouts an oracle computed). Players whose balance differs.
 */
export async function modelMismatches(
  db: Queryable,
  players: string[],
  start: bigint[],
  ops: Op[],
  credits: Map<number, bigint> = new Map(),
): Promise<number> {
  const expected = start.map((s, i) => s + (credits.get(i) ?? 0n));
  for (const op of ops) {
    if (op.outcome !== 'ok') continue;
    expected[op.player] = expected[op.player]! + (op.kind === 'deposit' ? op.amount : -op.amount);
  }
  const actual = await cashBalances(db, players);
  let mismatches = 0;
  players.forEach((id, i) => {
    if (actual.get(id) !== expected[i]) {
      mismatches++;
      process.stderr.write(`model: player ${i} holds ${actual.get(id)}, expected ${expected[i]}\n`);
    }
  });
  return mismatches;
}

/**
 * Bet placement against what clients were told: acknowledged bets missing, bets placed more
 * than once for one key (or with no key a client knows of), stake debits with no bet, and
 * requests whose outcome is still unknown.
 */
export async function placementFigures(
  db: Queryable,
  players: string[],
  ops: Op[],
): Promise<{
  acked_but_missing: number;
  duplicates: number;
  orphan_debits: number;
  unknown_unresolved: number;
}> {
  const bets = await db.query<{ id: string }>(
    'SELECT id FROM betting.bets WHERE player_id = ANY($1::uuid[])',
    [players],
  );
  const inDb = new Set(bets.map((b) => b.id));
  const acked = new Set<string>();
  let ackedButMissing = 0;
  let keysWithTwoBets = 0;
  for (const op of ops.filter((o) => o.kind === 'bet')) {
    const ids = new Set(
      op.answers.filter((a) => a.outcome === 'ok' && a.body?.id).map((a) => a.body.id as string),
    );
    if (ids.size > 1) keysWithTwoBets++;
    for (const id of ids) {
      acked.add(id);
      if (!inDb.has(id)) ackedButMissing++;
    }
  }
  // Bets no client was told about: the same request placed twice, or placed and never answered.
  const unexplained = [...inDb].filter((id) => !acked.has(id)).length;
  const [{ orphans }] = (await db.query<{ orphans: number }>(
    `SELECT count(*)::int AS orphans FROM wallet.transfers t
     WHERE t.kind = 'bet_stake'
       AND NOT EXISTS (SELECT 1 FROM betting.bets b WHERE 'bet:' || b.id = t.reference)`,
  )) as [{ orphans: number }];
  return {
    acked_but_missing: ackedButMissing,
    duplicates: keysWithTwoBets + unexplained,
    orphan_debits: Number(orphans),
    unknown_unresolved: ops.filter((o) => o.outcome === 'unknown').length,
  };
}
