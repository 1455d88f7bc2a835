// The outbox consumer that turns platform events into webhook deliveries. In its transaction
// (one per published batch of events) it only writes delivery rows (one per endpoint and
// event, the delivery id being what receivers dedupe on); the dispatcher sends them later, so
// a slow or failing endpoint never holds up the relay.
//   bet.settled    ← bet.settled, bet.resettled: only to the partner who referred the player;
//   event.result   ← market.resulted, market.result_corrected;
//   market.status  ← market.updated, when the market's status changed (not a price move);
//                    event.created only records the statuses markets start with.
import type { Tx } from '../../platform/db/db.ts';
import type { Consumer } from '../../platform/events/bus.ts';
import type { OutboxEvent } from '../../platform/events/outbox.ts';
import { isUuid } from '../../platform/uuid.ts';
import { referrersOf } from '../affiliates/index.ts';
import type { WebhookEventType } from './endpoints.ts';

export const CONSUMER_NAME = 'webhooks.enqueue';

interface Outgoing {
  type: WebhookEventType;
  data: Record<string, unknown>;
  /** Only this partner's endpoints (bets of the players they referred). */
  partnerId?: string;
}

async function eventOfMarket(tx: Tx, marketId: string): Promise<string | null> {
  const [row] = await tx.query<{ event_id: string }>(
    'SELECT event_id FROM catalog.markets WHERE id = $1',
    [marketId],
  );
  return row?.event_id ?? null;
}

const BET_TYPES = new Set(['bet.settled', 'bet.resettled']);

/** A bet event's player id, when the payload has a well-formed one. */
function playerOf(event: OutboxEvent): string | undefined {
  const { playerId } = event.payload as { playerId?: unknown };
  return BET_TYPES.has(event.type) && isUuid(playerId) ? playerId.toLowerCase() : undefined;
}

async function translate(
  tx: Tx,
  event: OutboxEvent,
  referrers: Map<string, string>,
): Promise<Outgoing | undefined> {
  const p = event.payload as Record<string, unknown>;
  switch (event.type) {
    case 'bet.settled':
    case 'bet.resettled': {
      const playerId = playerOf(event);
      const partnerId = playerId && referrers.get(playerId);
      if (!partnerId) return undefined;
      return {
        type: 'bet.settled',
        partnerId,
        data: {
          betId: p.betId,
          playerId: p.playerId,
          status: p.status,
          stake: p.stake,
          payout: p.payout,
          currency: p.currency,
          resettled: event.type === 'bet.resettled',
          ...(event.type === 'bet.resettled' ? { previous: p.previous } : {}),
        },
      };
    }
    case 'market.resulted':
    case 'market.result_corrected': {
      if (!isUuid(p.marketId)) return undefined;
      return {
        type: 'event.result',
        data: {
          marketId: p.marketId,
          eventId: await eventOfMarket(tx, p.marketId),
          void: p.void,
          winners: p.winners,
          version: p.version,
          corrected: event.type === 'market.result_corrected',
        },
      };
    }
    case 'market.updated': {
      const market = p.market as { id?: unknown; eventId?: unknown; status?: unknown } | undefined;
      if (!market || typeof market.id !== 'string' || typeof market.status !== 'string') {
        return undefined;
      }
      // Remember the status; announce only a change.
      const [before] = await tx.query<{ status: string }>(
        'SELECT status FROM webhooks.market_status WHERE market_id = $1 FOR UPDATE',
        [market.id],
      );
      if (before?.status === market.status) return undefined;
      await tx.query(
        `INSERT INTO webhooks.market_status (market_id, status) VALUES ($1, $2)
         ON CONFLICT (market_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()`,
        [market.id, market.status],
      );
      // A new market's first status is not a change worth a webhook unless it is not open.
      if (!before && market.status === 'open') return undefined;
      return {
        type: 'market.status',
        data: {
          marketId: market.id,
          eventId: market.eventId,
          status: market.status,
          previousStatus: before?.status ?? null,
        },
      };
    }
    case 'event.created': {
      // Not a webhook: the statuses the markets start with, so a later change names its
      // previous status.
      const markets = (p.event as { markets?: { id?: unknown; status?: unknown }[] } | undefined)
        ?.markets;
      for (const m of markets ?? []) {
        if (typeof m.id !== 'string' || typeof m.status !== 'string') continue;
        await tx.query(
          `INSERT INTO webhooks.market_status (market_id, status) VALUES ($1, $2)
           ON CONFLICT (market_id) DO NOTHING`,
          [m.id, m.status],
        );
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Delivery rows for the events, one per subscribed endpoint, in event order. */
async function enqueue(tx: Tx, events: readonly OutboxEvent[]): Promise<void> {
  const players = [...new Set(events.map(playerOf).filter((p) => p !== undefined))];
  const referrers = players.length > 0 ? await referrersOf(tx, players) : new Map();
  const outgoing: { event: OutboxEvent; out: Outgoing }[] = [];
  // One at a time: a market's status changes build on each other.
  for (const event of events) {
    const out = await translate(tx, event, referrers);
    if (out) outgoing.push({ event, out });
  }
  if (outgoing.length === 0) return;
  await tx.query(
    `INSERT INTO webhooks.deliveries (endpoint_id, event_id, event_type, payload)
     SELECT e.id, o.event_id, o.type, o.payload
     FROM unnest($1::bigint[], $2::text[], $3::jsonb[], $4::uuid[])
            WITH ORDINALITY AS o (event_id, type, payload, partner_id, n)
       JOIN webhooks.endpoints e ON e.disabled_at IS NULL AND o.type = ANY (e.event_types)
         AND (o.partner_id IS NULL OR e.partner_id = o.partner_id)
     ORDER BY o.n, e.id
     ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
    [
      outgoing.map((o) => o.event.id),
      outgoing.map((o) => o.out.type),
      outgoing.map(({ event, out }) =>
        JSON.stringify({
          type: out.type,
          eventId: event.id.toString(),
          occurredAt: event.createdAt.toISOString(),
          data: out.data,
        }),
      ),
      outgoing.map((o) => o.out.partnerId ?? null),
    ],
  );
}

export const webhooksConsumer: Consumer = {
  name: CONSUMER_NAME,
  types: [
    'bet.settled',
    'bet.resettled',
    'market.resulted',
    'market.result_corrected',
    'market.updated',
    'event.created',
  ],
  handle: (tx, event) => enqueue(tx, [event]),
  handleBatch: enqueue,
};
