// Bench data, created set-based (INSERT … SELECT generate_series): players with sessions and
// wallets funded through completed deposits (a payment row and its ledger transfer each), a
// catalogue of events × markets, and open bets on the settlement markets with their stakes in
// the ledger and their liability in the shard rows — the same rows the application writes, so
// iBet's own checks (the ledger check, the bet invariants) hold on the result. Works on both
// engines (the embedded scenario seeds PGlite the same way).
//
// Ids are derived from numbers (md5('p' || n)::uuid is player n), so a pgbench script and the
// load generator can name the same rows without being told every id.
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { Db } from '../src/platform/db/db.ts';

export interface SeedSize {
  players: number;
  events: number;
  marketsPerEvent: number;
  /** Open bets on each settlement market (one per player, players 1..n). */
  settlementBets: number;
}

export const CURRENCY = 'EUR';
/** Every player's deposit, in minor units (10,000.00). */
export const DEPOSIT = 1_000_000n;
/** The settlement markets: the match result of event 1 (iBet's worker) and of event 2 (the SQL baseline). */
export const SETTLEMENT_EVENTS = [1, 2] as const;
/** Match-result prices (thousandths) of home, draw and away: payouts come out whole. */
const MATCH_PRICES = [2000, 3500, 4000];

export const playerId = (n: number) => md5uuid(`p${n}`);
export const sessionId = (n: number) => md5uuid(`s${n}`);
export const eventId = (n: number) => md5uuid(`e${n}`);
export const marketId = (event: number, k: number) => md5uuid(`m${event}-${k}`);

/** md5(text)::uuid, computed here (the same value PostgreSQL derives). */
function md5uuid(text: string): string {
  const hex = createHashHex(text);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
const createHashHex = (text: string) => createHash('md5').update(text).digest('hex');

/** The PostgreSQL expression of a player's liability shard (betting/liability.ts `shardOf`). */
const SHARD_SQL = (column: string) =>
  `((get_byte(sha256(convert_to(${column}::text, 'UTF8')), 0) * 256
     + get_byte(sha256(convert_to(${column}::text, 'UTF8')), 1)) % 16)`;

type Step = (label: string) => void;

/** A signing key for access tokens, stored where every iBet process loads it from. */
export async function createSigningKey(
  db: Db,
): Promise<{ kid: string; privateJwk: Record<string, unknown> }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
  await db.query(
    'INSERT INTO identity.signing_keys (kid, public_jwk, private_jwk) VALUES ($1, $2, $3)',
    [
      kid,
      JSON.stringify({ ...publicJwk, kid, alg: 'ES256', use: 'sig' }),
      JSON.stringify(privateJwk),
    ],
  );
  return { kid, privateJwk: privateJwk as Record<string, unknown> };
}

export async function seedPlayers(db: Db, players: number, step: Step = () => {}): Promise<void> {
  step(`players: ${players.toLocaleString('en')} accounts and sessions`);
  await db.query(
    `INSERT INTO identity.accounts (id, kind, email, password_hash, display_name, date_of_birth,
                                    country, currency, email_verified_at)
     SELECT md5('p' || n)::uuid, 'player', 'player' || n || '@bench.example', '!bench-no-sign-in',
            'Player ' || n, date '1990-01-01' + (n % 5000), 'GB', $2, now()
     FROM generate_series(1, $1::int) n`,
    [players, CURRENCY],
  );
  await db.query(
    `INSERT INTO identity.sessions (id, account_id, idle_seconds, expires_at, ip, user_agent)
     SELECT md5('s' || n)::uuid, md5('p' || n)::uuid, 86400, now() + interval '2 days',
            '127.0.0.1', 'ibet-bench'
     FROM generate_series(1, $1::int) n`,
    [players],
  );
  step('players: wallets');
  await db.query(
    `INSERT INTO wallet.accounts (owner_id, kind, currency)
     SELECT md5('p' || n)::uuid, k.kind, $2 FROM generate_series(1, $1::int) n
       CROSS JOIN (VALUES ('player_cash'), ('player_bets_held')) AS k(kind)
     ORDER BY n, k.kind`,
    [players, CURRENCY],
  );
  await db.query(
    `INSERT INTO wallet.accounts (kind, currency) VALUES ('psp_clearing', $1), ('house', $1)
     ON CONFLICT (kind, currency) WHERE owner_id IS NULL DO NOTHING`,
    [CURRENCY],
  );
  step('players: deposits (payments and their transfers)');
  await db.query(
    `INSERT INTO wallet.payments (id, owner_id, account_id, direction, amount, currency, provider,
                                  provider_ref, status, idempotency_scope, idempotency_key, completed_at)
     SELECT md5('d' || n)::uuid, a.owner_id, a.id, 'deposit', $2, $3, 'bench', 'bench-' || n,
            'completed', a.owner_id::text, 'bench-deposit-' || n, now()
     FROM generate_series(1, $1::int) n
     JOIN wallet.accounts a ON a.owner_id = md5('p' || n)::uuid AND a.kind = 'player_cash'`,
    [players, DEPOSIT, CURRENCY],
  );
  await db.query(
    `INSERT INTO wallet.transfers (debit_account_id, credit_account_id, amount, currency, kind, reference)
     SELECT c.id, p.account_id, p.amount, p.currency, 'deposit', 'payment:' || p.id
     FROM wallet.payments p
     JOIN wallet.accounts c ON c.owner_id IS NULL AND c.kind = 'psp_clearing' AND c.currency = p.currency
     WHERE p.provider = 'bench'
     ORDER BY p.id`,
  );
  await db.query(
    `UPDATE wallet.accounts a SET balance = a.balance + p.amount
     FROM wallet.payments p WHERE p.provider = 'bench' AND a.id = p.account_id`,
  );
}

export async function seedCatalogue(
  db: Db,
  size: Pick<SeedSize, 'events' | 'marketsPerEvent'>,
  step: Step = () => {},
): Promise<void> {
  step(`catalogue: ${size.events} events × ${size.marketsPerEvent} markets`);
  await db.query(
    `INSERT INTO catalog.sports (id, slug, name, display_order)
     VALUES (md5('sport-football')::uuid, 'football', 'Football', 1)`,
  );
  await db.query(
    `INSERT INTO catalog.competitions (id, sport_id, name, country)
     SELECT md5('c' || n)::uuid, md5('sport-football')::uuid, 'Bench League ' || n, 'GB'
     FROM generate_series(1, 25) n`,
  );
  // Events start from tomorrow, ten minutes apart: all pre-match, all open for bets.
  await db.query(
    `INSERT INTO catalog.events (id, competition_id, name, home, away, starts_at)
     SELECT md5('e' || n)::uuid, md5('c' || (1 + n % 25))::uuid,
            'Home ' || n || ' v Away ' || n, 'Home ' || n, 'Away ' || n,
            date_trunc('hour', now()) + interval '1 day' + n * interval '10 minutes'
     FROM generate_series(1, $1::int) n`,
    [size.events],
  );
  // Market 0 of each event is its match result; the others are goal lines (over/under 0.5,
  // 1.5, … and then again), two selections each.
  await db.query(
    `INSERT INTO catalog.markets (id, event_id, type, name, line, display_order)
     SELECT md5('m' || n || '-' || k)::uuid, md5('e' || n)::uuid,
            CASE WHEN k = 0 THEN 'match_result' ELSE 'over_under' END,
            CASE WHEN k = 0 THEN 'Match result'
                 ELSE 'Total goals ' || (((k - 1) % 10) + 0.5) || CASE WHEN k > 10 THEN ' (alt)' ELSE '' END END,
            CASE WHEN k = 0 THEN NULL ELSE ((k - 1) % 10) * 1000 + 500 END, k
     FROM generate_series(1, $1::int) n CROSS JOIN generate_series(0, $2::int - 1) k`,
    [size.events, size.marketsPerEvent],
  );
  await db.query(
    `INSERT INTO catalog.selections (id, market_id, name, outcome, price, display_order)
     SELECT md5('x' || n || '-0-' || s.i)::uuid, md5('m' || n || '-0')::uuid, s.name, s.outcome,
            ($2::int[])[s.i], s.i
     FROM generate_series(1, $1::int) n
       CROSS JOIN (VALUES (1, 'home', 'Home'), (2, 'draw', 'Draw'), (3, 'away', 'Away')) AS s(i, outcome, name)`,
    [size.events, MATCH_PRICES],
  );
  await db.query(
    `INSERT INTO catalog.selections (id, market_id, name, outcome, price, display_order)
     SELECT md5('x' || n || '-' || k || '-' || s.i)::uuid, md5('m' || n || '-' || k)::uuid,
            s.name, s.outcome, 1500 + ((n * 7 + k * 13 + s.i * 29) % 1500), s.i
     FROM generate_series(1, $1::int) n CROSS JOIN generate_series(1, $2::int - 1) k
       CROSS JOIN (VALUES (1, 'over', 'Over'), (2, 'under', 'Under')) AS s(i, outcome, name)`,
    [size.events, size.marketsPerEvent],
  );
}

/**
 * Open single bets on an event's match result, one per player 1..n, as placement leaves them:
 * the bet and its leg, the stake moved from cash to held, the liability on the selection and
 * the market (in the player's shard).
 */
export async function seedOpenBets(
  db: Db,
  event: number,
  bets: number,
  step: Step = () => {},
): Promise<void> {
  step(`bets: ${bets.toLocaleString('en')} open bets on the match result of event ${event}`);
  const market = marketId(event, 0);
  await db.query(
    `INSERT INTO betting.bets (id, player_id, kind, currency, stake, stake_per_line, lines,
                               potential_payout, liability, accept_price_changes, placed_at)
     SELECT b.id, b.player_id, 'single', $3, b.stake, b.stake, 1, b.stake * s.price / 1000,
            b.stake * s.price / 1000 - b.stake, 'none', now() - interval '1 hour'
     FROM (SELECT md5('b' || $2::int || '-' || n)::uuid AS id, md5('p' || n)::uuid AS player_id,
                  (100 * (1 + n % 10))::bigint AS stake,
                  md5('x' || $2::int || '-0-' || (1 + n % 3))::uuid AS selection_id
           FROM generate_series(1, $1::int) n) b
     JOIN catalog.selections s ON s.id = b.selection_id
     ORDER BY b.id`,
    [bets, event, CURRENCY],
  );
  await db.query(
    `INSERT INTO betting.bet_legs (bet_id, leg_no, event_id, market_id, selection_id, price, requested_price,
                                   event_name, market_name, selection_name, market_type, in_play)
     SELECT md5('b' || $2::int || '-' || n)::uuid, 1, e.id, m.id, s.id, s.price, s.price,
            e.name, m.name, s.name, m.type, false
     FROM generate_series(1, $1::int) n
     JOIN catalog.selections s ON s.id = md5('x' || $2::int || '-0-' || (1 + n % 3))::uuid
     JOIN catalog.markets m ON m.id = s.market_id
     JOIN catalog.events e ON e.id = m.event_id`,
    [bets, event],
  );
  await db.query(
    `INSERT INTO wallet.transfers (debit_account_id, credit_account_id, amount, currency, kind, reference)
     SELECT c.id, h.id, b.stake, b.currency, 'bet_stake', 'bet:' || b.id
     FROM betting.bets b JOIN betting.bet_legs l ON l.bet_id = b.id AND l.market_id = $1
     JOIN wallet.accounts c ON c.owner_id = b.player_id AND c.kind = 'player_cash'
     JOIN wallet.accounts h ON h.owner_id = b.player_id AND h.kind = 'player_bets_held'
     ORDER BY b.id`,
    [market],
  );
  await db.query(
    `UPDATE wallet.accounts a SET balance = a.balance + CASE WHEN a.kind = 'player_cash' THEN -s.stake ELSE s.stake END
     FROM (SELECT b.player_id, sum(b.stake)::bigint AS stake FROM betting.bets b
           JOIN betting.bet_legs l ON l.bet_id = b.id AND l.market_id = $1 GROUP BY b.player_id) s
     WHERE a.owner_id = s.player_id`,
    [market],
  );
  // Liability: each selection and the market, 16 shard rows each (as placement creates them).
  await db.query(
    `WITH per AS (
       SELECT k.scope, k.id, ${SHARD_SQL('b.player_id')} AS shard, sum(b.liability)::bigint AS exposure
       FROM betting.bets b JOIN betting.bet_legs l ON l.bet_id = b.id AND l.market_id = $1
       CROSS JOIN LATERAL (VALUES ('selection', l.selection_id), ('market', l.market_id)) AS k(scope, id)
       GROUP BY 1, 2, 3
     ), keys AS (SELECT DISTINCT scope, id FROM per)
     INSERT INTO betting.liability (scope, id, shard, exposure)
     SELECT k.scope, k.id, g, coalesce(p.exposure, 0)
     FROM keys k CROSS JOIN generate_series(0, 15) g
     LEFT JOIN per p ON p.scope = k.scope AND p.id = k.id AND p.shard = g
     ORDER BY k.scope, k.id, g`,
    [market],
  );
}

/**
 * What a book that has been taking bets holds besides: the liability shard rows of every
 * selection and market (placement creates them with a key's first bet) and the completed
 * idempotency keys of the players' deposits. Without them these tables are near empty when the
 * statistics are taken, PostgreSQL plans placement's statements for tiny tables, and the run
 * measures sequential scans of tables growing under it rather than a running book.
 */
async function seedRunningBook(db: Db, step: Step): Promise<void> {
  step('running book: liability rows of every selection and market, idempotency keys of deposits');
  await db.query(
    `INSERT INTO betting.liability (scope, id, shard, exposure)
     SELECT k.scope, k.id, g, 0
     FROM (SELECT 'selection' AS scope, id FROM catalog.selections
           UNION ALL SELECT 'market', id FROM catalog.markets) k
       CROSS JOIN generate_series(0, 15) g
     ORDER BY k.scope, k.id, g
     ON CONFLICT DO NOTHING`,
  );
  await db.query(
    `INSERT INTO platform.idempotency_keys (scope, key, request_hash, status_code, response, completed_at)
     SELECT idempotency_scope, idempotency_key, md5(idempotency_key), 201, '{}', completed_at
     FROM wallet.payments WHERE provider = 'bench'`,
  );
}

export interface Catalogue {
  /** Per event (index n-1), its bettable selections with their prices, for the load generator. */
  events: { id: string; selections: { id: string; price: number }[] }[];
}

/** The selections the load generator bets on: every event except the settlement markets'. */
export async function readCatalogue(db: Db): Promise<Catalogue> {
  const rows = await db.query<{ event_id: string; n: number; id: string; price: number }>(
    `SELECT m.event_id, e.starts_at, s.id, s.price
     FROM catalog.selections s JOIN catalog.markets m ON m.id = s.market_id
     JOIN catalog.events e ON e.id = m.event_id
     WHERE m.event_id <> ALL($1::uuid[])
     ORDER BY e.starts_at, m.display_order, s.display_order`,
    [SETTLEMENT_EVENTS.map((n) => eventId(n))],
  );
  const byEvent = new Map<string, { id: string; price: number }[]>();
  for (const r of rows) {
    const list = byEvent.get(r.event_id) ?? [];
    list.push({ id: r.id, price: Number(r.price) });
    byEvent.set(r.event_id, list);
  }
  return { events: [...byEvent].map(([id, selections]) => ({ id, selections })) };
}

export async function seedAll(db: Db, size: SeedSize, step: Step = () => {}): Promise<void> {
  await seedPlayers(db, size.players, step);
  await seedCatalogue(db, size, step);
  for (const event of SETTLEMENT_EVENTS)
    await seedOpenBets(db, event, Math.min(size.settlementBets, size.players), step);
  await seedRunningBook(db, step);
  step('analyze');
  await db.query('ANALYZE');
}
