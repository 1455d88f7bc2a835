// Reading a player's history: bets, cash movements and sign-ins within a date range, newest
// first, keyset-paginated; and the totals of the range (net deposits, stakes, returns).
// Read-only queries over the wallet, betting and identity tables, by player and time.
import { cursorTime, decodeCursor, encodeCursor, invalidCursor } from '../../platform/cursor.ts';
import type { Queryable } from '../../platform/db/db.ts';
import { formatPrice } from '../../platform/money.ts';
import type { Range } from './range.ts';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface HistoryBet {
  id: string;
  placedAt: string;
  settledAt: string | null;
  kind: string;
  status: string;
  currency: string;
  stake: string;
  potentialPayout: string;
  /** What the bet paid (settled bets), cash outs included. */
  payout: string | null;
  cashedOut: string;
  legs: { event: string; market: string; selection: string; price: string }[];
}

export interface HistoryTransaction {
  id: string;
  at: string;
  kind: string;
  /** Signed change of the cash balance. */
  amount: string;
  currency: string;
  reference: string;
}

export interface HistorySession {
  id: string;
  startedAt: string;
  lastSeenAt: string;
  endedAt: string | null;
  endReason: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface HistorySummary {
  from: string;
  to: string;
  currency: string | null;
  deposits: string;
  withdrawals: string;
  /** Deposits minus withdrawals in the range. */
  netDeposits: string;
  betsPlaced: number;
  staked: string;
  /** Paid back by the bets placed in the range that are settled (winnings, voids, cash outs). */
  returned: string;
  /** Stakes of the bets placed in the range that are still open. */
  openStakes: string;
  /** returned − staked over settled bets: the player's net win (positive) or loss. */
  netResult: string;
}

const iso = (d: Date) => d.toISOString();

export async function listHistoryBets(
  q: Queryable,
  playerId: string,
  range: Range,
  options: { status?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<Page<HistoryBet>> {
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const rows = await q.query<{
    id: string;
    placed: string;
    placed_at: Date;
    settled_at: Date | null;
    kind: string;
    status: string;
    currency: string;
    stake: bigint;
    potential_payout: bigint;
    payout: bigint | null;
    cashed_out_value: bigint;
    legs: { event: string; market: string; selection: string; price: number }[] | string;
  }>(
    `SELECT b.id, ${cursorTime('b.placed_at')} AS placed, b.placed_at, b.settled_at, b.kind, b.status,
            b.currency, b.stake, b.potential_payout, b.payout, b.cashed_out_value,
            (SELECT json_agg(json_build_object('event', l.event_name, 'market', l.market_name,
                    'selection', l.selection_name, 'price', l.price) ORDER BY l.leg_no)
             FROM betting.bet_legs l WHERE l.bet_id = b.id) AS legs
     FROM betting.bets b
     WHERE b.player_id = $1 AND b.placed_at >= $2::text::timestamptz AND b.placed_at < $3::text::timestamptz
       AND ($4::text IS NULL OR b.status = $4)
       AND ($5::text IS NULL OR (b.placed_at, b.id) < ($5::text::timestamptz, $6::uuid))
     ORDER BY b.placed_at DESC, b.id DESC LIMIT $7`,
    [
      playerId,
      iso(range.from),
      iso(range.to),
      options.status ?? null,
      after?.time ?? null,
      after?.id ?? null,
      options.limit + 1,
    ],
  );
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => {
      const legs = typeof r.legs === 'string' ? JSON.parse(r.legs) : (r.legs ?? []);
      return {
        id: r.id,
        placedAt: r.placed_at.toISOString(),
        settledAt: r.settled_at?.toISOString() ?? null,
        kind: r.kind,
        status: r.status,
        currency: r.currency.trim(),
        stake: r.stake.toString(),
        potentialPayout: r.potential_payout.toString(),
        payout: r.payout === null ? null : r.payout.toString(),
        cashedOut: r.cashed_out_value.toString(),
        legs: (legs as { event: string; market: string; selection: string; price: number }[]).map(
          (l) => ({ ...l, price: formatPrice(l.price) }),
        ),
      };
    }),
    nextCursor:
      rows.length > options.limit && last
        ? encodeCursor(rows[options.limit - 1]!.placed, last.id)
        : null,
  };
}

const MAX_BIGINT = 2n ** 63n - 1n;

export async function listHistoryTransactions(
  q: Queryable,
  playerId: string,
  range: Range,
  options: { cursor?: string | undefined; limit: number },
): Promise<Page<HistoryTransaction>> {
  let before: bigint | null = null;
  if (options.cursor !== undefined) {
    const decoded = Buffer.from(options.cursor, 'base64url').toString('utf8');
    if (!/^t:[1-9]\d{0,18}$/.test(decoded)) throw invalidCursor();
    before = BigInt(decoded.slice(2));
    if (before > MAX_BIGINT) throw invalidCursor();
  }
  const rows = await q.query<{
    id: bigint;
    kind: string;
    amount: bigint;
    currency: string;
    reference: string;
    created_at: Date;
  }>(
    `WITH cash AS (SELECT id FROM wallet.accounts WHERE owner_id = $1 AND kind = 'player_cash')
     SELECT * FROM (
       (SELECT t.id, t.kind, -t.amount AS amount, t.currency, t.reference, t.created_at FROM wallet.transfers t
        WHERE t.debit_account_id IN (SELECT id FROM cash)
          AND t.created_at >= $2::text::timestamptz AND t.created_at < $3::text::timestamptz
          AND ($4::bigint IS NULL OR t.id < $4) ORDER BY t.id DESC LIMIT $5)
       UNION ALL
       (SELECT t.id, t.kind, t.amount, t.currency, t.reference, t.created_at FROM wallet.transfers t
        WHERE t.credit_account_id IN (SELECT id FROM cash)
          AND t.created_at >= $2::text::timestamptz AND t.created_at < $3::text::timestamptz
          AND ($4::bigint IS NULL OR t.id < $4) ORDER BY t.id DESC LIMIT $5)
     ) m ORDER BY id DESC LIMIT $5`,
    [playerId, iso(range.from), iso(range.to), before, options.limit + 1],
  );
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      id: r.id.toString(),
      at: r.created_at.toISOString(),
      kind: r.kind,
      amount: r.amount.toString(),
      currency: r.currency.trim(),
      reference: r.reference,
    })),
    nextCursor:
      rows.length > options.limit && last
        ? Buffer.from(`t:${last.id}`).toString('base64url')
        : null,
  };
}

export async function listHistorySessions(
  q: Queryable,
  accountId: string,
  range: Range,
  options: { cursor?: string | undefined; limit: number },
): Promise<Page<HistorySession>> {
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const rows = await q.query<{
    id: string;
    started: string;
    created_at: Date;
    last_seen_at: Date;
    expires_at: Date;
    revoked_at: Date | null;
    revoked_reason: string | null;
    ip: string | null;
    user_agent: string | null;
  }>(
    `SELECT id, ${cursorTime('created_at')} AS started, created_at, last_seen_at, expires_at, revoked_at,
            revoked_reason, ip, user_agent
     FROM identity.sessions
     WHERE account_id = $1 AND created_at >= $2::text::timestamptz AND created_at < $3::text::timestamptz
       AND ($4::text IS NULL OR (created_at, id) < ($4::text::timestamptz, $5::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $6`,
    [
      accountId,
      iso(range.from),
      iso(range.to),
      after?.time ?? null,
      after?.id ?? null,
      options.limit + 1,
    ],
  );
  const now = Date.now();
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => {
      // A session ends when revoked, at its absolute end, or after idling past its limit.
      const ended = r.revoked_at ?? (r.expires_at.getTime() <= now ? r.expires_at : null);
      return {
        id: r.id,
        startedAt: r.created_at.toISOString(),
        lastSeenAt: r.last_seen_at.toISOString(),
        endedAt: ended?.toISOString() ?? null,
        endReason: r.revoked_at ? (r.revoked_reason ?? 'revoked') : ended ? 'expired' : null,
        ip: r.ip,
        userAgent: r.user_agent,
      };
    }),
    nextCursor:
      rows.length > options.limit && last
        ? encodeCursor(rows[options.limit - 1]!.started, last.id)
        : null,
  };
}

export async function historySummary(
  q: Queryable,
  playerId: string,
  range: Range,
): Promise<HistorySummary> {
  const [row] = await q.query<{
    currency: string | null;
    deposits: bigint;
    withdrawals: bigint;
    bets: bigint;
    staked: bigint;
    settled_staked: bigint;
    returned: bigint;
    open_stakes: bigint;
  }>(
    `SELECT
       (SELECT currency FROM wallet.accounts WHERE owner_id = $1 AND kind = 'player_cash' LIMIT 1) AS currency,
       (SELECT coalesce(sum(amount), 0)::bigint FROM wallet.payments
        WHERE owner_id = $1 AND direction = 'deposit' AND status = 'completed'
          AND created_at >= $2::text::timestamptz AND created_at < $3::text::timestamptz) AS deposits,
       (SELECT coalesce(sum(amount), 0)::bigint FROM wallet.payments
        WHERE owner_id = $1 AND direction = 'withdrawal' AND status IN ('pending', 'completed')
          AND created_at >= $2::text::timestamptz AND created_at < $3::text::timestamptz) AS withdrawals,
       b.bets, b.staked, b.settled_staked, b.returned, b.open_stakes
     FROM (
       SELECT count(*)::bigint AS bets,
              coalesce(sum(stake), 0)::bigint AS staked,
              coalesce(sum(stake) FILTER (WHERE settled_at IS NOT NULL), 0)::bigint AS settled_staked,
              coalesce(sum(payout) FILTER (WHERE settled_at IS NOT NULL), 0)::bigint AS returned,
              coalesce(sum(stake) FILTER (WHERE settled_at IS NULL), 0)::bigint AS open_stakes
       FROM betting.bets
       WHERE player_id = $1 AND status <> 'rejected'
         AND placed_at >= $2::text::timestamptz AND placed_at < $3::text::timestamptz
     ) b`,
    [playerId, iso(range.from), iso(range.to)],
  );
  const r = row!;
  const deposits = BigInt(r.deposits);
  const withdrawals = BigInt(r.withdrawals);
  return {
    from: iso(range.from),
    to: iso(range.to),
    currency: r.currency?.trim() ?? null,
    deposits: deposits.toString(),
    withdrawals: withdrawals.toString(),
    netDeposits: (deposits - withdrawals).toString(),
    betsPlaced: Number(r.bets),
    staked: BigInt(r.staked).toString(),
    returned: BigInt(r.returned).toString(),
    openStakes: BigInt(r.open_stakes).toString(),
    netResult: (BigInt(r.returned) - BigInt(r.settled_staked)).toString(),
  };
}
