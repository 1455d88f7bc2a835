// What traders do to the catalogue: create sports, competitions, events and markets, move
// prices, suspend and reopen markets. Every change writes a `market.updated` (or
// `event.created`) event in the same transaction; price moves are kept in price_history.
import { isPgError, type Tx } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import { emit } from '../../platform/events/outbox.ts';
import { eventClosed, marketSettled } from './errors.ts';
import { checkMarketType } from './market-types.ts';
import { getEvent, marketsOf } from './read.ts';
import { applyMarketSettings, type MarketSettingsPatch } from './settings.ts';
import type { EventView, MarketView } from './views.ts';

export interface NewSelection {
  name: string;
  outcome?: string | undefined;
  price: number;
}

export interface NewMarket {
  type: string;
  name: string;
  line?: number | undefined;
  selections: NewSelection[];
  /** In-play, delay, limits, cash out, each-way terms, bet builder (settings.ts). */
  settings?: MarketSettingsPatch | undefined;
}

export interface NewEvent {
  competitionId: string;
  name: string;
  home?: string | undefined;
  away?: string | undefined;
  startsAt: string;
  markets?: NewMarket[] | undefined;
}

const invalid = (code: string, message: string) => new DomainError(code, 'invalid', message);

export async function createSport(
  tx: Tx,
  input: { slug: string; name: string; displayOrder?: number | undefined },
) {
  try {
    const [row] = await tx.query<{ id: string }>(
      'INSERT INTO catalog.sports (slug, name, display_order) VALUES ($1, $2, $3) RETURNING id',
      [input.slug, input.name, input.displayOrder ?? 0],
    );
    return { id: row!.id, slug: input.slug, name: input.name };
  } catch (error) {
    if (isPgError(error, '23505'))
      throw new DomainError('sport_exists', 'conflict', 'A sport with this slug exists.');
    throw error;
  }
}

export async function createCompetition(
  tx: Tx,
  input: { sportId: string; name: string; country?: string | undefined },
) {
  const sport = await tx.query('SELECT 1 FROM catalog.sports WHERE id = $1', [input.sportId]);
  if (sport.length === 0) throw notFound('sport');
  try {
    const [row] = await tx.query<{ id: string }>(
      'INSERT INTO catalog.competitions (sport_id, name, country) VALUES ($1, $2, $3) RETURNING id',
      [input.sportId, input.name, input.country ?? null],
    );
    return {
      id: row!.id,
      sportId: input.sportId,
      name: input.name,
      country: input.country ?? null,
    };
  } catch (error) {
    if (isPgError(error, '23505')) {
      throw new DomainError(
        'competition_exists',
        'conflict',
        'This sport has a competition with this name.',
      );
    }
    throw error;
  }
}

async function insertMarket(
  tx: Tx,
  eventId: string,
  market: NewMarket,
  order: number,
): Promise<string> {
  if (market.selections.length < 2)
    throw invalid('too_few_selections', 'A market needs at least two selections.');
  const names = new Set(market.selections.map((s) => s.name));
  if (names.size !== market.selections.length) {
    throw invalid('duplicate_selection', 'Selection names within a market must differ.');
  }
  checkMarketType({ ...market, eachWay: market.settings?.eachWay });
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO catalog.markets (event_id, type, name, line, display_order) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [eventId, market.type, market.name, market.line ?? null, order],
  );
  const marketId = row!.id;
  if (market.settings) await applyMarketSettings(tx, marketId, market.type, market.settings);
  const selections = await tx.query<{ id: string; price: number }>(
    `INSERT INTO catalog.selections (market_id, name, outcome, price, display_order)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::int[])
     RETURNING id, price`,
    [
      marketId,
      market.selections.map((s) => s.name),
      market.selections.map((s) => s.outcome ?? null),
      market.selections.map((s) => s.price),
      market.selections.map((_, i) => i),
    ],
  );
  await tx.query(
    `INSERT INTO catalog.price_history (selection_id, price)
     SELECT * FROM unnest($1::uuid[], $2::int[])`,
    [selections.map((s) => s.id), selections.map((s) => s.price)],
  );
  return marketId;
}

export async function createEvent(tx: Tx, input: NewEvent): Promise<EventView> {
  const competition = await tx.query('SELECT 1 FROM catalog.competitions WHERE id = $1', [
    input.competitionId,
  ]);
  if (competition.length === 0) throw notFound('competition');
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO catalog.events (competition_id, name, home, away, starts_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [input.competitionId, input.name, input.home ?? null, input.away ?? null, input.startsAt],
  );
  const eventId = row!.id;
  for (const [i, market] of (input.markets ?? []).entries())
    await insertMarket(tx, eventId, market, i);
  const event = await getEvent(tx, eventId);
  await emit(tx, { type: 'event.created', aggregateId: eventId, payload: { event } });
  return event;
}

async function marketView(tx: Tx, marketId: string): Promise<MarketView> {
  const [row] = await tx.query<{ event_id: string }>(
    'SELECT event_id FROM catalog.markets WHERE id = $1',
    [marketId],
  );
  if (!row) throw notFound('market');
  const market = (await marketsOf(tx, [row.event_id]))
    .get(row.event_id)
    ?.find((m) => m.id === marketId);
  if (!market) throw notFound('market');
  return market;
}

async function announce(tx: Tx, marketId: string): Promise<MarketView> {
  const market = await marketView(tx, marketId);
  await emit(tx, { type: 'market.updated', aggregateId: marketId, payload: { market } });
  return market;
}

export async function createMarket(
  tx: Tx,
  eventId: string,
  market: NewMarket,
): Promise<MarketView> {
  const [event] = await tx.query<{ status: string; n: bigint }>(
    `SELECT status, (SELECT count(*) FROM catalog.markets WHERE event_id = $1) AS n
     FROM catalog.events WHERE id = $1 FOR UPDATE`,
    [eventId],
  );
  if (!event) throw notFound('event');
  if (event.status === 'ended' || event.status === 'cancelled') {
    throw eventClosed(eventId, event.status);
  }
  const id = await insertMarket(tx, eventId, market, Number(event.n));
  return announce(tx, id);
}

export async function setPrice(
  tx: Tx,
  selectionId: string,
  price: number,
  changedBy: string,
): Promise<MarketView> {
  const [row] = await tx.query<{ market_id: string; status: string }>(
    `SELECT s.market_id, m.status FROM catalog.selections s JOIN catalog.markets m ON m.id = s.market_id
     WHERE s.id = $1 FOR UPDATE OF s`,
    [selectionId],
  );
  if (!row) throw notFound('selection');
  if (row.status === 'settled' || row.status === 'closed') throw marketSettled(row.market_id);
  await tx.query('UPDATE catalog.selections SET price = $2, updated_at = now() WHERE id = $1', [
    selectionId,
    price,
  ]);
  await tx.query(
    'INSERT INTO catalog.price_history (selection_id, price, changed_by) VALUES ($1, $2, $3)',
    [selectionId, price, changedBy],
  );
  return announce(tx, row.market_id);
}

/** Opens or suspends a market. Settled and closed markets stay as they are. */
export async function setMarketStatus(
  tx: Tx,
  marketId: string,
  status: 'open' | 'suspended',
): Promise<MarketView> {
  const [row] = await tx.query<{ status: string }>(
    'SELECT status FROM catalog.markets WHERE id = $1 FOR UPDATE',
    [marketId],
  );
  if (!row) throw notFound('market');
  if (row.status === 'settled' || row.status === 'closed') throw marketSettled(marketId);
  if (row.status !== status) {
    // A suspension is remembered: pending in-play bets placed before it are rejected.
    await tx.query(
      `UPDATE catalog.markets SET status = $2, updated_at = now(),
         suspended_at = CASE WHEN $2 = 'suspended' THEN now() ELSE suspended_at END
       WHERE id = $1`,
      [marketId, status],
    );
  }
  return announce(tx, marketId);
}
