// Applying feed messages to the catalogue (docs/feed.md). Every message is validated first;
// then, in one transaction with its effect, recorded by the provider's message id, so a
// message delivered twice is applied once. News older than what was applied about the same
// thing (a fixture's status, a market's prices, a market's status) is recorded as stale and
// changes nothing. A material event suspends every open market of the fixture; a result
// records the market's outcome and settles its bets.
import type { Logger } from 'pino';
import type { Db, Tx } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import { parsePrice } from '../../platform/money.ts';
import {
  createCompetition,
  createEvent,
  createMarket,
  createSport,
  getMarket,
  listSports,
  setEventLive,
  setMarketStatus,
  setPrice,
  suspendOpenMarkets,
} from '../catalog/index.ts';
import { settleMarket } from '../settlement/index.ts';
import { applyMargin } from './margin.ts';
import {
  type FeedMessage,
  type FixtureMessage,
  type MarketMessage,
  type MarketStatusMessage,
  type OddsMessage,
  type ResultMessage,
  type StatusMessage,
  validateFeedMessage,
} from './messages.ts';

/** Who changed prices and recorded results, in the catalogue's history: the feed. */
export const FEED_ACTOR = '00000000-0000-4000-8000-00000000feed';

export type FeedOutcome = 'applied' | 'duplicate' | 'stale' | 'invalid' | 'rejected';

export interface FeedResult {
  outcome: FeedOutcome;
  /** Why it was invalid or rejected. */
  reason?: string;
}

export interface FeedDeps {
  db: Db;
  marginBps: number;
  log?: Logger;
  /** Counts every message by provider, kind and outcome. */
  onResult?(provider: string, kind: string, result: FeedResult): void;
}

const rejected = (code: string, message: string) => new DomainError(code, 'conflict', message);

interface FixtureRow {
  event_id: string;
  state_ts: bigint;
}

interface MarketRow {
  market_id: string;
  selections: Record<string, string>;
  odds_ts: bigint;
  status_ts: bigint;
}

async function fixtureOf(tx: Tx, provider: string, fixture: string): Promise<FixtureRow> {
  const [row] = await tx.query<FixtureRow>(
    'SELECT event_id, state_ts FROM feed.fixtures WHERE provider = $1 AND external_id = $2 FOR UPDATE',
    [provider, fixture],
  );
  if (!row) throw rejected('unknown_fixture', `No fixture ${fixture} from ${provider} yet.`);
  return row;
}

async function marketOf(
  tx: Tx,
  provider: string,
  fixture: string,
  key: string,
): Promise<MarketRow> {
  const [row] = await tx.query<MarketRow>(
    `SELECT market_id, selections, odds_ts, status_ts FROM feed.markets
     WHERE provider = $1 AND external_id = $2 AND market_key = $3 FOR UPDATE`,
    [provider, fixture, key],
  );
  if (!row) throw rejected('unknown_market', `No market ${key} of fixture ${fixture} yet.`);
  return row;
}

/** Finds the sport and competition by slug and name, creating what is missing. */
async function competitionFor(tx: Tx, m: FixtureMessage): Promise<string> {
  const sports = await listSports(tx);
  const sport = sports.find((s) => s.slug === m.sport);
  const sportId =
    sport?.id ??
    (await createSport(tx, { slug: m.sport, name: m.sportName, displayOrder: 100 })).id;
  const competition = sport?.competitions.find((c) => c.name === m.competition);
  if (competition) return competition.id;
  return (
    await createCompetition(tx, { sportId, name: m.competition, country: m.country ?? undefined })
  ).id;
}

async function applyFixture(tx: Tx, provider: string, m: FixtureMessage): Promise<FeedOutcome> {
  const [known] = await tx.query(
    'SELECT 1 FROM feed.fixtures WHERE provider = $1 AND external_id = $2',
    [provider, m.fixture],
  );
  if (known) return 'stale'; // fixture details are taken once, when it first arrives
  const event = await createEvent(tx, {
    competitionId: await competitionFor(tx, m),
    name: m.name,
    home: m.home,
    away: m.away,
    startsAt: m.startsAt,
  });
  await tx.query(
    'INSERT INTO feed.fixtures (provider, external_id, event_id, state_ts) VALUES ($1, $2, $3, $4)',
    [provider, m.fixture, event.id, m.ts],
  );
  return 'applied';
}

async function applyMarket(
  tx: Tx,
  provider: string,
  m: MarketMessage,
  marginBps: number,
): Promise<FeedOutcome> {
  const fixture = await fixtureOf(tx, provider, m.fixture);
  const [known] = await tx.query(
    'SELECT 1 FROM feed.markets WHERE provider = $1 AND external_id = $2 AND market_key = $3',
    [provider, m.fixture, m.market],
  );
  if (known) return 'stale';
  const keys = m.selections.map((s) => s.key);
  if (new Set(keys).size !== keys.length) {
    throw rejected('duplicate_selection', 'Selection keys within a market must differ.');
  }
  const prices = applyMargin(
    m.selections.map((s) => s.price),
    marginBps,
  );
  const market = await createMarket(tx, fixture.event_id, {
    type: m.type,
    name: m.name,
    line: m.line,
    selections: m.selections.map((s, i) => ({
      name: s.name,
      outcome: s.outcome,
      price: prices[i]!,
    })),
    ...(m.inPlay ? { settings: { inPlay: true } } : {}),
  });
  const selections: Record<string, string> = {};
  m.selections.forEach((s, i) => {
    selections[s.key] = market.selections[i]!.id;
  });
  await tx.query(
    `INSERT INTO feed.markets (provider, external_id, market_key, market_id, selections, odds_ts, status_ts)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $6)`,
    [provider, m.fixture, m.market, market.id, JSON.stringify(selections), m.ts],
  );
  return 'applied';
}

async function applyOdds(
  tx: Tx,
  provider: string,
  m: OddsMessage,
  marginBps: number,
): Promise<FeedOutcome> {
  const market = await marketOf(tx, provider, m.fixture, m.market);
  if (BigInt(m.ts) <= market.odds_ts) return 'stale';
  const keys = Object.keys(market.selections);
  if (keys.length !== Object.keys(m.prices).length || keys.some((k) => !(k in m.prices))) {
    throw rejected(
      'incomplete_prices',
      'Odds must price every selection of the market, by its key.',
    );
  }
  const current = await getMarket(tx, market.market_id);
  if (current.status === 'settled' || current.status === 'closed') return 'stale';
  const prices = applyMargin(
    keys.map((k) => m.prices[k]!),
    marginBps,
  );
  const now = new Map(current.selections.map((s) => [s.id, parsePrice(s.price)]));
  for (const [i, key] of keys.entries()) {
    const selectionId = market.selections[key]!;
    const price = prices[i]!;
    if (now.get(selectionId) === price) continue;
    await setPrice(tx, selectionId, price, FEED_ACTOR);
  }
  await tx.query(
    'UPDATE feed.markets SET odds_ts = $4 WHERE provider = $1 AND external_id = $2 AND market_key = $3',
    [provider, m.fixture, m.market, m.ts],
  );
  return 'applied';
}

async function applyStatus(tx: Tx, provider: string, m: StatusMessage): Promise<FeedOutcome> {
  const fixture = await fixtureOf(tx, provider, m.fixture);
  if (BigInt(m.ts) <= fixture.state_ts) return 'stale';
  try {
    await setEventLive(tx, fixture.event_id, { status: m.status, score: m.score, clock: m.clock });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'invalid_event_transition') return 'stale';
    throw error;
  }
  await tx.query(
    'UPDATE feed.fixtures SET state_ts = $3 WHERE provider = $1 AND external_id = $2',
    [provider, m.fixture, m.ts],
  );
  return 'applied';
}

/**
 * Suspends every open market of the fixture, and holds it: older "open" news is stale. A
 * market whose status news is newer than the material event (a reopening sent after it,
 * delivered before it) is left as that news says: a late goal must not suspend it again.
 */
async function applyMaterial(tx: Tx, provider: string, m: FeedMessage): Promise<FeedOutcome> {
  const fixture = await fixtureOf(tx, provider, m.fixture);
  const newer = await tx.query<{ market_id: string }>(
    `SELECT market_id FROM feed.markets
     WHERE provider = $1 AND external_id = $2 AND status_ts >= $3 ORDER BY market_id FOR UPDATE`,
    [provider, m.fixture, m.ts],
  );
  if (newer.length === 0) await suspendOpenMarkets(tx, fixture.event_id);
  else {
    const held = new Set(newer.map((r) => r.market_id));
    const open = await tx.query<{ id: string }>(
      `SELECT id FROM catalog.markets WHERE event_id = $1 AND status = 'open' ORDER BY id`,
      [fixture.event_id],
    );
    for (const market of open.filter((x) => !held.has(x.id)))
      await setMarketStatus(tx, market.id, 'suspended');
  }
  await tx.query(
    `UPDATE feed.markets SET status_ts = greatest(status_ts, $3)
     WHERE provider = $1 AND external_id = $2`,
    [provider, m.fixture, m.ts],
  );
  return 'applied';
}

async function applyMarketStatus(
  tx: Tx,
  provider: string,
  m: MarketStatusMessage,
): Promise<FeedOutcome> {
  await fixtureOf(tx, provider, m.fixture);
  const rows =
    m.market === '*'
      ? await tx.query<MarketRow & { market_key: string }>(
          `SELECT market_key, market_id, selections, odds_ts, status_ts FROM feed.markets
           WHERE provider = $1 AND external_id = $2 ORDER BY market_key FOR UPDATE`,
          [provider, m.fixture],
        )
      : [{ ...(await marketOf(tx, provider, m.fixture, m.market)), market_key: m.market }];
  let applied = false;
  for (const row of rows) {
    if (BigInt(m.ts) <= row.status_ts) continue;
    const market = await getMarket(tx, row.market_id);
    if (market.status === 'settled' || market.status === 'closed') continue;
    if (market.status !== m.status) await setMarketStatus(tx, row.market_id, m.status);
    await tx.query(
      `UPDATE feed.markets SET status_ts = $4 WHERE provider = $1 AND external_id = $2 AND market_key = $3`,
      [provider, m.fixture, row.market_key, m.ts],
    );
    applied = true;
  }
  return applied ? 'applied' : 'stale';
}

async function record(
  tx: Tx,
  provider: string,
  m: FeedMessage,
  outcome: FeedOutcome,
): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO feed.messages (provider, message_id, kind, outcome) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING 1`,
    [provider, m.id, m.kind, outcome === 'stale' ? 'stale' : 'applied'],
  );
  return rows.length > 0;
}

async function handled(db: Db, provider: string, id: string): Promise<boolean> {
  const rows = await db.query(
    'SELECT 1 FROM feed.messages WHERE provider = $1 AND message_id = $2',
    [provider, id],
  );
  return rows.length > 0;
}

/**
 * A result: recorded and settled through settlement (idempotent by a key made of the
 * message id, so a crash between the two is resumed by the same message again), then the
 * message is recorded as handled.
 */
async function applyResult(
  deps: FeedDeps,
  provider: string,
  m: ResultMessage,
): Promise<FeedOutcome> {
  const market = await deps.db.transaction((tx) => marketOf(tx, provider, m.fixture, m.market));
  let winners: string[] = [];
  if (m.winners) {
    winners = m.winners.map((key) => {
      const id = market.selections[key];
      if (!id) throw rejected('unknown_selection', `Market ${m.market} has no selection ${key}.`);
      return id;
    });
  }
  await settleMarket(
    { db: deps.db },
    {
      scope: `feed:${provider}`,
      idempotencyKey: `result:${m.id}`.slice(0, 255),
      input: {
        marketId: market.market_id,
        result: m.void ? { void: true } : { void: false, winners },
        recordedBy: FEED_ACTOR,
      },
    },
  );
  await deps.db.transaction((tx) => record(tx, provider, m, 'applied'));
  return 'applied';
}

/** Validates and applies one provider message; never throws for bad or unwanted input. */
export async function applyFeedMessage(
  deps: FeedDeps,
  provider: string,
  raw: unknown,
): Promise<FeedResult> {
  const validated = validateFeedMessage(raw);
  if (!validated.ok) {
    const result: FeedResult = { outcome: 'invalid', reason: validated.error };
    deps.onResult?.(provider, 'unknown', result);
    return result;
  }
  const m = validated.message;
  let result: FeedResult;
  try {
    if (m.kind === 'result') {
      result = {
        outcome: (await handled(deps.db, provider, m.id))
          ? 'duplicate'
          : await applyResult(deps, provider, m),
      };
    } else {
      result = await deps.db.transaction(async (tx): Promise<FeedResult> => {
        // Claimed first: a concurrent copy of the message waits here, then finds it recorded.
        const claimed = await tx.query(
          `INSERT INTO feed.messages (provider, message_id, kind, outcome) VALUES ($1, $2, $3, 'applied')
           ON CONFLICT DO NOTHING RETURNING 1`,
          [provider, m.id, m.kind],
        );
        if (claimed.length === 0) return { outcome: 'duplicate' };
        let outcome: FeedOutcome;
        switch (m.kind) {
          case 'fixture':
            outcome = await applyFixture(tx, provider, m);
            break;
          case 'market':
            outcome = await applyMarket(tx, provider, m, deps.marginBps);
            break;
          case 'odds':
            outcome = await applyOdds(tx, provider, m, deps.marginBps);
            break;
          case 'status':
            outcome = await applyStatus(tx, provider, m);
            break;
          case 'material':
            outcome = await applyMaterial(tx, provider, m);
            break;
          case 'market_status':
            outcome = await applyMarketStatus(tx, provider, m);
            break;
        }
        if (outcome === 'stale') {
          await tx.query(
            `UPDATE feed.messages SET outcome = 'stale' WHERE provider = $1 AND message_id = $2`,
            [provider, m.id],
          );
        }
        return { outcome };
      });
    }
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    // Refused (unknown fixture, a different result already recorded …): nothing was written,
    // so the provider may send it again once it makes sense.
    result = { outcome: 'rejected', reason: `${error.code}: ${error.message}` };
    deps.log?.warn(
      { provider, messageId: m.id, kind: m.kind, reason: result.reason },
      'feed message rejected',
    );
  }
  deps.onResult?.(provider, m.kind, result);
  return result;
}
