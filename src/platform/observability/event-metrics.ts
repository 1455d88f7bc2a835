// Business metrics read from the outbox events as the worker relays them: stakes and
// potential payouts of placed bets, stakes and payouts of settled bets (GGR), payments, and
// how long events waited in the outbox. The listeners only count; they never throw, so they
// can never hold up the relay or the consumers behind them.
import type { EventBus } from '../events/bus.ts';
import type { OutboxEvent } from '../events/outbox.ts';
import { bounded, type Metrics } from './metrics.ts';

const SETTLED = new Set(['won', 'lost', 'void', 'cashed_out', 'half_won', 'half_lost']);

function amount(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,18}$/.test(value)) return undefined;
  return Number(value);
}

function seconds(from: unknown, to: Date): number | undefined {
  if (typeof from !== 'string') return undefined;
  const start = Date.parse(from);
  return Number.isNaN(start) ? undefined : Math.max(0, (to.getTime() - start) / 1000);
}

/** Registers the counting listeners on the bus; returns a function that removes them. */
export function observeEvents(
  bus: EventBus,
  metrics: Metrics,
  options: { currencies: readonly string[] },
): () => void {
  const currencies = new Set(options.currencies);
  const currency = (value: unknown) => bounded(value, currencies);
  const guard = (fn: (event: OutboxEvent) => void) => (event: OutboxEvent) => {
    try {
      fn(event);
    } catch {
      // A malformed payload is counted as nothing; metrics must not break delivery.
    }
  };

  const off = [
    bus.on(
      '*',
      guard((event) => {
        metrics.outboxPublished.inc();
        const created = new Date(event.createdAt).getTime();
        if (!Number.isNaN(created))
          metrics.outboxRelayLag.observe(Math.max(0, (Date.now() - created) / 1000));
      }),
    ),
    bus.on(
      'bet.placed',
      guard((event) => {
        const bet = (event.payload as { bet?: Record<string, unknown> }).bet ?? {};
        const labels = { currency: currency(bet.currency) };
        const stake = amount(bet.stake);
        const potential = amount(bet.potentialPayout);
        if (stake !== undefined) {
          metrics.betStake.inc(labels, stake);
          metrics.betStakeSize.observe(labels, stake);
        }
        if (potential !== undefined) metrics.betPotentialPayout.inc(labels, potential);
      }),
    ),
    bus.on(
      'bet.rejected',
      guard((event) => {
        // Bets refused after placement (e.g. at the end of an in-play delay).
        const reason = (event.payload as { reason?: unknown }).reason;
        metrics.betsRejected.inc({
          reason:
            typeof reason === 'string' && /^[a-z][a-z0-9_]{0,63}$/.test(reason) ? reason : 'other',
        });
      }),
    ),
    bus.on(
      'bet.settled',
      guard((event) => {
        const p = event.payload as Record<string, unknown>;
        if (!SETTLED.has(String(p.status))) return;
        metrics.settlementEvents.inc({ status: String(p.status) });
        const labels = { currency: currency(p.currency) };
        const stake = amount(p.stake);
        const payout = amount(p.payout);
        if (stake !== undefined) metrics.settledStake.inc(labels, stake);
        if (payout !== undefined) metrics.settledPayout.inc(labels, payout);
        const lag = seconds(p.resultedAt, new Date(event.createdAt));
        if (lag !== undefined) metrics.settlementLag.observe(lag);
      }),
    ),
    bus.on(
      'bet.resettled',
      guard((event) => {
        // A corrected result: the earlier settlement is reversed, the new one (if any) counted.
        const p = event.payload as Record<string, unknown>;
        const previous = (p.previous ?? {}) as Record<string, unknown>;
        const labels = { currency: currency(p.currency) };
        const stake = amount(p.stake);
        if (SETTLED.has(String(previous.status))) {
          if (stake !== undefined) metrics.settledReversed.inc({ ...labels, what: 'stake' }, stake);
          const before = amount(previous.payout);
          if (before !== undefined)
            metrics.settledReversed.inc({ ...labels, what: 'payout' }, before);
        }
        if (SETTLED.has(String(p.status))) {
          if (stake !== undefined) metrics.settledStake.inc(labels, stake);
          const payout = amount(p.payout);
          if (payout !== undefined) metrics.settledPayout.inc(labels, payout);
        }
      }),
    ),
    bus.on(
      'bet.cashed_out',
      guard((event) => {
        // Settled early at the cash-out value: for GGR, that stake is settled and the value paid.
        const p = event.payload as Record<string, unknown>;
        metrics.cashOuts.inc({
          kind: p.full === true ? 'full' : 'partial',
          trigger: p.automatic === true ? 'automatic' : 'player',
        });
        const labels = { currency: currency(p.currency) };
        const stake = amount(p.stake);
        const value = amount(p.value);
        if (stake !== undefined) metrics.settledStake.inc(labels, stake);
        if (value !== undefined) metrics.settledPayout.inc(labels, value);
      }),
    ),
  ];
  for (const type of [
    'wallet.deposit.completed',
    'wallet.deposit.failed',
    'wallet.withdrawal.completed',
    'wallet.withdrawal.failed',
  ]) {
    const [, direction, status] = type.split('.') as [string, string, string];
    off.push(
      bus.on(
        type,
        guard((event) => {
          const p = event.payload as Record<string, unknown>;
          const labels = { direction, status, currency: currency(p.currency) };
          metrics.payments.inc(labels);
          const value = amount(p.amount);
          if (value !== undefined) metrics.paymentAmount.inc(labels, value);
        }),
      ),
    );
  }
  return () => {
    for (const unsubscribe of off) unsubscribe();
  };
}
