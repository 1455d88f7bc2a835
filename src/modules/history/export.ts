// Streamed exports. A player downloads their bets, transactions or sessions as CSV; staff with
// `players:export` download a player's complete activity for a date range as NDJSON (one JSON
// object per line, each with its `section`), for a regulator or an investigation. Rows are
// read page by page, so an export of years of activity never sits in memory whole; the
// compliance export is audited before its first byte leaves.
import type { Db, Queryable } from '../../platform/db/db.ts';
import { currencyExponent } from '../../platform/money.ts';
import { audit, type RequestContext } from '../audit/index.ts';
import { type Cell, csvLine, decimal } from './csv.ts';
import {
  listHistoryBets,
  listHistorySessions,
  listHistoryTransactions,
  type Page,
} from './queries.ts';
import type { Range } from './range.ts';

const PAGE = 1000;

async function* pages<T>(
  read: (cursor: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

export type CsvKind = 'bets' | 'transactions' | 'sessions';

const money = (minor: string | null, currency: string): string | null =>
  minor === null ? null : decimal(BigInt(minor), currencyExponent(currency));

/** The player's history of one kind as CSV lines, newest first. */
export async function* historyCsv(
  q: Queryable,
  playerId: string,
  kind: CsvKind,
  range: Range,
): AsyncGenerator<string> {
  if (kind === 'bets') {
    const text = new Set([7]);
    yield csvLine(
      [
        'bet_id',
        'placed_at',
        'settled_at',
        'kind',
        'status',
        'currency',
        'stake',
        'selections',
        'potential_payout',
        'payout',
        'cashed_out',
      ],
      new Set(),
    );
    for await (const b of pages((cursor) =>
      listHistoryBets(q, playerId, range, { cursor, limit: PAGE }),
    )) {
      const selections = b.legs
        .map((l) => `${l.event} / ${l.market}: ${l.selection} @ ${l.price}`)
        .join(' | ');
      const row: Cell[] = [
        b.id,
        b.placedAt,
        b.settledAt,
        b.kind,
        b.status,
        b.currency,
        money(b.stake, b.currency),
        selections,
        money(b.potentialPayout, b.currency),
        money(b.payout, b.currency),
        money(b.cashedOut, b.currency),
      ];
      // `selections` sits at index 7 in the row.
      yield csvLine(row, text);
    }
    return;
  }
  if (kind === 'transactions') {
    yield csvLine(['transaction_id', 'at', 'kind', 'amount', 'currency', 'reference'], new Set());
    for await (const t of pages((cursor) =>
      listHistoryTransactions(q, playerId, range, { cursor, limit: PAGE }),
    )) {
      yield csvLine(
        [t.id, t.at, t.kind, money(t.amount, t.currency), t.currency, t.reference],
        new Set([5]),
      );
    }
    return;
  }
  yield csvLine(
    ['session_id', 'started_at', 'last_seen_at', 'ended_at', 'end_reason', 'ip', 'user_agent'],
    new Set(),
  );
  for await (const s of pages((cursor) =>
    listHistorySessions(q, playerId, range, { cursor, limit: PAGE }),
  )) {
    yield csvLine(
      [s.id, s.startedAt, s.lastSeenAt, s.endedAt, s.endReason, s.ip, s.userAgent],
      new Set([4, 5, 6]),
    );
  }
}

const json = (section: string, record: Record<string, unknown>) =>
  `${JSON.stringify({ section, ...record }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`;

async function* keyset<R extends { id: unknown }>(
  q: Queryable,
  sql: string,
  params: unknown[],
  start: unknown,
): AsyncGenerator<R> {
  let after = start;
  for (;;) {
    const rows = await q.query<R>(sql, [...params, after, PAGE]);
    yield* rows;
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.id;
  }
}

export class PlayerNotFound extends Error {}

/** Records that the export was made (who, whose, which period); before any data leaves. */
export async function auditComplianceExport(
  db: Db,
  input: { staffId: string; playerId: string; range: Range; context: RequestContext },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [player] = await tx.query<{ id: string }>(
      `SELECT id FROM identity.accounts WHERE id = $1 AND kind = 'player'`,
      [input.playerId],
    );
    if (!player) return false;
    await audit(tx, {
      actor: { id: input.staffId, kind: 'staff' },
      action: 'compliance.player_activity_exported',
      target: { type: 'player', id: input.playerId },
      details: { from: input.range.from.toISOString(), to: input.range.to.toISOString() },
      context: input.context,
    });
    return true;
  });
}

/**
 * Everything the platform holds about a player's activity in the range: the account, sign-ins,
 * payments, every ledger transfer of their accounts, bets with their legs, audit records
 * about or by them, and AML flags. Oldest first within each section.
 */
export async function* complianceExport(
  q: Queryable,
  playerId: string,
  range: Range,
  meta: { staffId: string },
): AsyncGenerator<string> {
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  yield json('export', {
    format: 'ibet-player-activity/1',
    playerId,
    from,
    to,
    generatedAt: new Date().toISOString(),
    generatedBy: meta.staffId,
  });
  const [account] = await q.query<Record<string, unknown>>(
    `SELECT id, email, display_name, date_of_birth::text AS date_of_birth, country, currency, status,
            email_verified_at, created_at, updated_at
     FROM identity.accounts WHERE id = $1`,
    [playerId],
  );
  if (account) yield json('account', account);
  const inRange = (column: string, first: number) =>
    `${column} >= $${first}::text::timestamptz AND ${column} < $${first + 1}::text::timestamptz`;

  for await (const s of keyset<{ id: string }>(
    q,
    `SELECT id, created_at, last_seen_at, expires_at, revoked_at, revoked_reason, ip, user_agent
     FROM identity.sessions WHERE account_id = $1 AND ${inRange('created_at', 2)}
       AND id::text > $4 ORDER BY id::text LIMIT $5`,
    [playerId, from, to],
    '',
  ))
    yield json('session', s);

  for await (const p of keyset<{ id: string }>(
    q,
    `SELECT id, direction, amount, currency, provider, provider_ref, status, failure_reason, created_at, completed_at
     FROM wallet.payments WHERE owner_id = $1 AND ${inRange('created_at', 2)}
       AND id::text > $4 ORDER BY id::text LIMIT $5`,
    [playerId, from, to],
    '',
  ))
    yield json('payment', p);

  for await (const t of keyset<{ id: bigint }>(
    q,
    `WITH mine AS (SELECT id, kind FROM wallet.accounts WHERE owner_id = $1)
     SELECT t.id, t.kind, t.amount, t.currency, t.reference, t.created_at,
            t.debit_account_id, (SELECT kind FROM wallet.accounts WHERE id = t.debit_account_id) AS debit_account_kind,
            t.credit_account_id, (SELECT kind FROM wallet.accounts WHERE id = t.credit_account_id) AS credit_account_kind
     FROM wallet.transfers t
     WHERE (t.debit_account_id IN (SELECT id FROM mine) OR t.credit_account_id IN (SELECT id FROM mine))
       AND ${inRange('t.created_at', 2)} AND t.id > $4
     ORDER BY t.id LIMIT $5`,
    [playerId, from, to],
    0n,
  ))
    yield json('transfer', t);

  for await (const b of keyset<{ id: string }>(
    q,
    `SELECT b.id, b.kind, b.status, b.currency, b.stake, b.potential_payout, b.payout, b.cashed_out_stake,
            b.cashed_out_value, b.placed_at, b.settled_at,
            (SELECT json_agg(json_build_object('leg', l.leg_no, 'eventId', l.event_id, 'event', l.event_name,
                    'marketId', l.market_id, 'market', l.market_name, 'selectionId', l.selection_id,
                    'selection', l.selection_name, 'price', l.price, 'requestedPrice', l.requested_price)
                    ORDER BY l.leg_no)
             FROM betting.bet_legs l WHERE l.bet_id = b.id) AS legs
     FROM betting.bets b WHERE b.player_id = $1 AND ${inRange('b.placed_at', 2)}
       AND b.id::text > $4 ORDER BY b.id::text LIMIT $5`,
    [playerId, from, to],
    '',
  ))
    yield json('bet', b);

  for await (const a of keyset<{ id: bigint }>(
    q,
    `SELECT id, at, actor_id, actor_kind, action, target_type, target_id, outcome, ip, request_id, details
     FROM audit.events
     WHERE (actor_id = $1 OR target_id = $1::text OR details->'balances' @> $4::jsonb)
       AND ${inRange('at', 2)} AND id > $5
     ORDER BY id LIMIT $6`,
    [playerId, from, to, JSON.stringify([{ owner: playerId }])],
    0n,
  ))
    yield json('audit', a);

  for await (const f of keyset<{ id: string }>(
    q,
    `SELECT id, rule, source, currency, amount, threshold, details, status, raised_at, resolved_at,
            resolved_by, resolution, notes
     FROM aml.flags WHERE player_id = $1 AND ${inRange('raised_at', 2)}
       AND id::text > $4 ORDER BY id::text LIMIT $5`,
    [playerId, from, to],
    '',
  ))
    yield json('aml_flag', f);
  yield json('end', { playerId });
}
