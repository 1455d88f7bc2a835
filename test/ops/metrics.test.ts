// /metrics after real traffic: RED metrics per route template, bets placed and rejected by
// reason, stakes, payouts and GGR from relayed events, payments, the outbox backlog and relay
// lag, the database pool and statements, event-loop lag — and no label carries an id.
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { legOn, placeBet, placedBet, resultMarket } from '../support/betting-helpers.ts';
import { has, parseExposition, type Sample, sampleValue } from './support/prometheus.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe('metrics', () => {
  const t = useTestApp();

  async function scrape(): Promise<{ text: string; samples: Sample[]; families: Set<string> }> {
    const response = await t.api.get('/metrics');
    expect(response.status).toBe(200);
    const text = response.body as string;
    return { text, ...parseExposition(text) };
  }

  it('count bets placed and refused by reason, stakes, payouts and GGR, with bounded labels', async () => {
    const player = await t.player();
    await t.deposit(player, 20_000n);
    const market = (await t.event({ prices: ['2.00', '3.00', '4.00'] })).markets[0];
    await t.app.relay!.drain();
    const before = await scrape();

    await placedBet(t, player, { stake: '1000', legs: [legOn(market.selections[0])] });
    await placedBet(t, player, { stake: '500', legs: [legOn(market.selections[1])] });
    const tooBig = await placeBet(t, player, {
      stake: '99999999',
      legs: [legOn(market.selections[0])],
    });
    expect(tooBig.status).toBe(422);
    const moved = await placeBet(t, player, {
      stake: '100',
      legs: [{ selectionId: market.selections[0].id, price: '2.50' }],
    });
    expect(moved.status).toBe(409);
    await resultMarket(t, market.id, { winners: [market.selections[0].id] });
    await t.app.relay!.drain();

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after.samples, name, labels) - sampleValue(before.samples, name, labels);

    expect(delta('ibet_bets_placed_total', { currency: 'EUR' })).toBe(2);
    expect(delta('ibet_bets_rejected_total', { reason: 'stake_out_of_range' })).toBe(1);
    expect(delta('ibet_bets_rejected_total', { reason: moved.body.code })).toBe(1);
    expect(delta('ibet_http_problems_total', { route: '/api/v1/bets', code: 'odds_changed' })).toBe(
      moved.body.code === 'odds_changed' ? 1 : 0,
    );
    // From the relayed events: stakes and potential payouts, then the settlement.
    expect(delta('ibet_bet_stake_minor_total', { currency: 'EUR' })).toBe(1500);
    expect(delta('ibet_bet_potential_payout_minor_total', { currency: 'EUR' })).toBe(2000 + 1500);
    expect(delta('ibet_bet_stake_minor_units_count', { currency: 'EUR' })).toBe(2);
    expect(delta('ibet_bets_settled_total', { status: 'won' })).toBe(1);
    expect(delta('ibet_bets_settled_total', { status: 'lost' })).toBe(1);
    expect(delta('ibet_settled_stake_minor_total', { currency: 'EUR' })).toBe(1500);
    expect(delta('ibet_settled_payout_minor_total', { currency: 'EUR' })).toBe(2000);
    // Settlement lag: from the result being recorded to each bet's settlement.
    expect(delta('ibet_settlement_lag_seconds_count')).toBe(2);
    expect(delta('ibet_settlement_lag_seconds_sum')).toBeGreaterThanOrEqual(0);
    // GGR as the dashboards compute it: settled stakes − settled payouts.
    expect(
      delta('ibet_settled_stake_minor_total', { currency: 'EUR' }) -
        delta('ibet_settled_payout_minor_total', { currency: 'EUR' }),
    ).toBe(-500);
    expect(
      delta('ibet_payments_total', { direction: 'deposit', status: 'completed', currency: 'EUR' }),
    ).toBe(0); // the deposit was relayed before the first scrape
    expect(
      sampleValue(after.samples, 'ibet_payment_amount_minor_total', {
        direction: 'deposit',
        status: 'completed',
        currency: 'EUR',
      }),
    ).toBeGreaterThanOrEqual(20_000);
    expect(delta('ibet_outbox_relay_lag_seconds_count')).toBeGreaterThanOrEqual(4);
    expect(delta('ibet_outbox_events_published_total')).toBeGreaterThanOrEqual(4);

    // No label value is an id, an address or a raw URL.
    expect(after.text).not.toMatch(UUID);
    expect(after.text).not.toContain(player.email);
  });

  it('measure every route by template: rate, errors and a latency histogram', async () => {
    await t.api.get('/api/v1/events?limit=5');
    await t.api.get('/api/v1/me');
    const { samples } = await scrape();
    expect(
      sampleValue(samples, 'ibet_http_requests_total', {
        method: 'GET',
        route: '/api/v1/events',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(samples, 'ibet_http_problems_total', {
        route: '/api/v1/me',
        code: 'unauthenticated',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      has(samples, 'ibet_http_request_duration_seconds_bucket', {
        route: '/api/v1/events',
        le: '0.1',
      }),
    ).toBe(true);
    // The scrape itself is in flight while it is rendered.
    expect(sampleValue(samples, 'ibet_http_requests_in_flight')).toBeGreaterThanOrEqual(1);
  });

  it('show the outbox backlog and its age, sampled from the database', async () => {
    const player = await t.player();
    await t.deposit(player, 1_000n);
    // Sampled gauges are read at most every few seconds: wait one interval for a fresh sample.
    await new Promise((resolve) => setTimeout(resolve, 5_100));
    const { samples } = await scrape();
    expect(sampleValue(samples, 'ibet_outbox_pending_events')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'ibet_outbox_oldest_pending_age_seconds')).toBeGreaterThan(0);
    expect(has(samples, 'ibet_settlement_backlog_markets')).toBe(true);
    expect(has(samples, 'ibet_settlement_jobs_pending')).toBe(true);
    expect(has(samples, 'ibet_notifications_queue', { status: 'pending', channel: 'email' })).toBe(
      true,
    );
    await t.app.relay!.drain();
  });

  it('measure the database: statements by operation, transactions, pool use', async () => {
    const { samples } = await scrape();
    expect(
      sampleValue(samples, 'ibet_db_query_duration_seconds_count', { operation: 'select' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(samples, 'ibet_db_query_duration_seconds_count', { operation: 'insert' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(samples, 'ibet_db_transaction_duration_seconds_count', { outcome: 'commit' }),
    ).toBeGreaterThan(0);
    expect(sampleValue(samples, 'ibet_db_pool_size')).toBeGreaterThanOrEqual(1);
    expect(has(samples, 'ibet_db_connections_in_use')).toBe(true);
    expect(has(samples, 'ibet_db_pool_waiting')).toBe(true);
    expect(sampleValue(samples, 'ibet_db_pool_wait_seconds_count')).toBeGreaterThan(0);
  });

  it('include event-loop lag, process metrics and the build', async () => {
    const { samples, families } = await scrape();
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
    ])
      expect(families.has(name), name).toBe(true);
    expect(has(samples, 'ibet_build_info', { role: 'all' })).toBe(true);
    expect(sampleValue(samples, 'ibet_shutting_down')).toBe(0);
  });
});
