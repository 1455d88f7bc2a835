// Selections as betting sees them: price and state, and the settings of their market (falling
// back to their sport's) that decide limits, in-play delay, cash out, each-way terms and what a
// bet builder may combine.
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { MARKET_GATE } from './read.ts';
import type { EventView, MarketView } from './views.ts';

export interface EachWayTerms {
  places: number;
  num: number;
  den: number;
}

export interface BetSelection {
  selectionId: string;
  marketId: string;
  eventId: string;
  sportId: string;
  price: number;
  outcome: string | null;
  marketType: string;
  marketStatus: MarketView['status'];
  eventStatus: EventView['status'];
  /** The event's start time has passed, by the database clock. */
  started: boolean;
  eventName: string;
  marketName: string;
  selectionName: string;
  /** The market is offered while the event is live. */
  inPlay: boolean;
  /** Seconds an in-play bet waits before it is accepted (market, else sport). */
  delaySeconds: number;
  /** Stake limits and liability caps of the market, else its sport (null: none set). */
  minStake: bigint | null;
  maxStake: bigint | null;
  maxSelectionLiability: bigint | null;
  maxMarketLiability: bigint | null;
  cashOutEnabled: boolean;
  eachWay: EachWayTerms | null;
  builderEnabled: boolean;
  correlatedWith: string[];
  builderMarginBps: number;
  /** When the market was last suspended. */
  suspendedAt: Date | null;
}

interface Row {
  selection_id: string;
  market_id: string;
  event_id: string;
  sport_id: string;
  price: number;
  outcome: string | null;
  market_type: string;
  market_status: MarketView['status'];
  event_status: EventView['status'];
  started: boolean;
  event_name: string;
  market_name: string;
  selection_name: string;
  in_play: boolean;
  delay_seconds: number;
  min_stake: bigint | null;
  max_stake: bigint | null;
  max_selection_liability: bigint | null;
  max_market_liability: bigint | null;
  cash_out_enabled: boolean;
  each_way_places: number | null;
  each_way_num: number | null;
  each_way_den: number | null;
  builder_enabled: boolean;
  correlated_with: string[];
  builder_margin_bps: number;
  suspended_at: Date | null;
}

/**
 * The selections with their markets' settings. With `gate`, first takes the markets' gate
 * shared in that transaction (see read.ts): placements and cash outs do, so that a result
 * recorded meanwhile waits for them; the read is a separate statement that sees a result
 * that committed while this transaction waited.
 */
export async function selectionsForBetting(
  q: Queryable,
  selectionIds: readonly string[],
  gate?: Tx,
): Promise<BetSelection[]> {
  if (gate) {
    await gate.query(
      `SELECT pg_advisory_xact_lock_shared($1, hashtext(m.market_id::text))
       FROM (SELECT DISTINCT market_id FROM catalog.selections WHERE id = ANY($2::uuid[]) ORDER BY market_id) m`,
      [MARKET_GATE, selectionIds],
    );
  }
  const rows = await (gate ?? q).query<Row>(
    `SELECT s.id AS selection_id, m.id AS market_id, e.id AS event_id, c.sport_id, s.price, s.outcome,
            m.type AS market_type, m.status AS market_status, e.status AS event_status,
            e.starts_at <= now() AS started, e.name AS event_name, m.name AS market_name,
            s.name AS selection_name, m.in_play,
            COALESCE(m.bet_delay_seconds, sp.in_play_delay_seconds) AS delay_seconds,
            COALESCE(m.min_stake, sp.min_stake) AS min_stake,
            COALESCE(m.max_stake, sp.max_stake) AS max_stake,
            COALESCE(m.max_selection_liability, sp.max_selection_liability) AS max_selection_liability,
            COALESCE(m.max_market_liability, sp.max_market_liability) AS max_market_liability,
            m.cash_out_enabled, m.each_way_places, m.each_way_num, m.each_way_den, m.builder_enabled,
            m.correlated_with, sp.builder_margin_bps, m.suspended_at
     FROM catalog.selections s JOIN catalog.markets m ON m.id = s.market_id
       JOIN catalog.events e ON e.id = m.event_id JOIN catalog.competitions c ON c.id = e.competition_id
       JOIN catalog.sports sp ON sp.id = c.sport_id
     WHERE s.id = ANY($1::uuid[])`,
    [selectionIds],
  );
  return rows.map((r) => ({
    selectionId: r.selection_id,
    marketId: r.market_id,
    eventId: r.event_id,
    sportId: r.sport_id,
    price: r.price,
    outcome: r.outcome,
    marketType: r.market_type,
    marketStatus: r.market_status,
    eventStatus: r.event_status,
    started: r.started,
    eventName: r.event_name,
    marketName: r.market_name,
    selectionName: r.selection_name,
    inPlay: r.in_play,
    delaySeconds: r.delay_seconds,
    minStake: r.min_stake,
    maxStake: r.max_stake,
    maxSelectionLiability: r.max_selection_liability,
    maxMarketLiability: r.max_market_liability,
    cashOutEnabled: r.cash_out_enabled,
    eachWay:
      r.each_way_places !== null && r.each_way_num !== null && r.each_way_den !== null
        ? { places: r.each_way_places, num: r.each_way_num, den: r.each_way_den }
        : null,
    builderEnabled: r.builder_enabled,
    correlatedWith: r.correlated_with,
    builderMarginBps: r.builder_margin_bps,
    suspendedAt: r.suspended_at,
  }));
}
