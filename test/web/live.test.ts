// Live updates in the browser without a browser: the realtime client's sequence numbers,
// resume after a dropped connection and repeats; the overlay of pushed prices and states on
// the events read from the API; the bet slip's system bets, bet builders and each-way; and the
// wallet history's period and kind filters; paying with bonus money or a free bet.
import { describe, expect, it } from 'vitest';
import type { Event } from '../../web/src/api/types.ts';
import { Realtime, type ServerMessage } from '../../web/src/lib/realtime.ts';
import { applyMessage, emptyOverlay, withLive } from '../../web/src/player/catalog/live.ts';
import {
  canBuild,
  effectiveMode,
  effectiveSystem,
  emptySlip,
  type SlipState,
  slipReducer,
  systemOptions,
} from '../../web/src/player/slip/slip-state.ts';
import { betRequests } from '../../web/src/player/slip/stakes.ts';
import { defaultFilter, kindMatches, periodRange } from '../../web/src/ui/history-filter.ts';

class FakeSocket {
  static last: FakeSocket | null = null;
  readyState = 0;
  sent: any[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  push(...messages: object[]) {
    this.onmessage?.({ data: messages.map((m) => JSON.stringify(m)).join('\n') });
  }
}

function event(id: string, markets: { id: string; eachWay?: boolean; sels: string[] }[]): Event {
  return {
    id,
    sport: { id: 'sp', slug: 'football', name: 'Football' },
    competition: { id: 'c', name: 'League' },
    name: `Event ${id}`,
    home: 'Home',
    away: 'Away',
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    status: 'scheduled',
    markets: markets.map((m) => ({
      id: m.id,
      eventId: id,
      type: 'match_result',
      name: `Market ${m.id}`,
      line: null,
      status: 'open' as const,
      inPlay: false,
      eachWay: m.eachWay ? { places: 3, fraction: '1/4' } : null,
      selections: m.sels.map((price, i) => ({
        id: `${m.id}-s${i}`,
        name: `S${i}`,
        outcome: null,
        price,
        result: null,
      })),
    })),
  };
}

const pick = (state: SlipState, e: Event, market = 0, index = 0): SlipState => {
  const m = e.markets[market]!;
  return slipReducer(state, {
    type: 'toggle',
    event: e,
    market: m,
    selection: m.selections[index]!,
  });
};

describe('live updates and the newer bet types in the browser', () => {
  it('applies each message of a topic once, in order, and resumes after a dropped connection', () => {
    const realtime = new Realtime({
      url: 'ws://test/ws',
      token: () => 'tok',
      WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    });
    const seen: ServerMessage[] = [];
    realtime.subscribe('event:e1', (m) => seen.push(m));
    const first = FakeSocket.last!;
    first.open();
    expect(first.sent).toEqual([
      { op: 'auth', token: 'tok' },
      { op: 'subscribe', topic: 'event:e1' },
    ]);
    first.push(
      { type: 'subscribed', topic: 'event:e1', epoch: 'ep', seq: 4 },
      { type: 'snapshot', topic: 'event:e1', seq: 4, data: { id: 'e1' } },
      { type: 'market', topic: 'event:e1', seq: 5, id: 'm1', status: 'open', prices: {} },
      { type: 'market', topic: 'event:e1', seq: 5, id: 'm1', status: 'open', prices: {} },
      { type: 'market', topic: 'event:e1', seq: 6, id: 'm1', status: 'suspended', prices: {} },
    );
    expect(seen.map((m) => [m.type, m.seq])).toEqual([
      ['snapshot', 4],
      ['market', 5],
      ['market', 6],
    ]);
    first.close();
    realtime.close();
    // A new connection asks for what came after the last applied message.
    const again = new Realtime({
      url: 'ws://x',
      WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    });
    const log: ServerMessage[] = [];
    again.subscribe('event:e2', (m) => log.push(m));
    const socket = FakeSocket.last!;
    socket.open();
    socket.push({ type: 'subscribed', topic: 'event:e2', epoch: 'E', seq: 9 });
    socket.push({
      type: 'market',
      topic: 'event:e2',
      seq: 10,
      id: 'm',
      status: 'open',
      prices: {},
    });
    (again as any).socket = null;
    (again as any).ensureOpen();
    const resumed = FakeSocket.last!;
    resumed.open();
    expect(resumed.sent).toContainEqual({
      op: 'subscribe',
      topic: 'event:e2',
      resume: { epoch: 'E', seq: 10 },
    });
    again.close();
  });

  it('lays pushed prices and states over the events, in the odds format shown', () => {
    const e = event('e', [{ id: 'm', sels: ['2.10', '3.40', '3.25'] }]);
    let overlay = applyMessage(emptyOverlay(), {
      type: 'market',
      topic: 'event:e',
      seq: 1,
      id: 'm',
      status: 'suspended',
      prices: { 'm-s0': '2.375' },
    });
    const decimal = withLive(e, overlay, 'decimal');
    expect(decimal.markets[0]?.status).toBe('suspended');
    expect(decimal.markets[0]?.selections.map((s) => s.price)).toEqual(['2.375', '3.40', '3.25']);
    expect(withLive(e, overlay, 'fractional').markets[0]?.selections[0]?.price).toBe('11/8');
    overlay = applyMessage(overlay, {
      type: 'event',
      topic: 'event:e',
      seq: 2,
      id: 'e',
      status: 'live',
      score: { home: 1, away: 0, detail: null },
      clock: { period: '1H', minute: 12, running: true },
    });
    expect(withLive(e, overlay, 'decimal').status).toBe('live');
    expect(overlay.events.get('e')?.score).toEqual({ home: 1, away: 0, detail: null });
    overlay = applyMessage(overlay, { type: 'result', topic: 'event:e', seq: 3, id: 'm' });
    expect(withLive(e, overlay, 'decimal').markets[0]?.status).toBe('settled');
    // Nothing known about an event: the same object, so nothing re-renders.
    const other = event('o', [{ id: 'x', sels: ['1.50', '2.50'] }]);
    expect(withLive(other, overlay, 'decimal')).toBe(other);
  });

  it('offers the systems that fit the selections and asks for the system bet staked per line', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) =>
      event(id, [{ id: `${id}m`, sels: ['2.00', '3.00'] }]),
    ) as Event[];
    let slip = pick(pick(pick(emptySlip(), a!), b!), c!);
    expect(systemOptions(slip.legs)).toEqual(['trixie', 'patent', '2/3']);
    slip = slipReducer(slip, { type: 'mode', mode: 'system' });
    expect(effectiveMode(slip)).toBe('system');
    expect(effectiveSystem(slip)).toBe('trixie');
    slip = slipReducer(slipReducer(slip, { type: 'system', system: '2/3' }), {
      type: 'stake',
      selectionId: null,
      text: '0.50',
    });
    expect(betRequests(slip, 'EUR').requests[0]?.body).toMatchObject({
      stake: '50',
      kind: 'system',
      system: '2/3',
    });
    // A fourth selection: a Yankee fits, "2/3" does not any more.
    slip = pick(slip, d!);
    expect(systemOptions(slip.legs)).toContain('yankee');
    expect(effectiveSystem(slip)).toBe('yankee');
    // Two selections are no system.
    const two = slipReducer(pick(pick(emptySlip(), a!), b!), { type: 'mode', mode: 'system' });
    expect(effectiveMode(two)).toBe('singles');
  });

  it('makes two markets of one event a bet builder, and each-way only where the market has terms', () => {
    const e = event('e', [
      { id: 'm1', sels: ['2.00', '3.00'] },
      { id: 'm2', sels: ['1.80', '2.00'] },
    ]);
    const builder = pick(pick(emptySlip(), e, 0, 0), e, 1, 1);
    expect(canBuild(builder.legs)).toBe(true);
    expect(effectiveMode(builder)).toBe('builder');
    const staked = slipReducer(builder, { type: 'stake', selectionId: null, text: '2' });
    expect(betRequests(staked, 'EUR').requests[0]?.body).toMatchObject({
      kind: 'builder',
      stake: '200',
    });
    // Two selections of one market: neither a builder nor a multiple.
    expect(canBuild(pick(pick(emptySlip(), e, 0, 0), e, 0, 1).legs)).toBe(false);

    const outright = event('o', [{ id: 'win', eachWay: true, sels: ['8.00', '12.00'] }]);
    let slip = slipReducer(pick(emptySlip(), outright), { type: 'eachWay', eachWay: true });
    slip = slipReducer(slip, { type: 'stake', selectionId: 'win-s0', text: '1' });
    expect(betRequests(slip, 'EUR').requests[0]?.body).toMatchObject({
      eachWay: true,
      stake: '100',
    });
    // Each-way asked for, but a match-result market has no terms: a plain single.
    let plain = slipReducer(pick(emptySlip(), e), { type: 'eachWay', eachWay: true });
    plain = slipReducer(plain, { type: 'stake', selectionId: 'm1-s0', text: '1' });
    expect(betRequests(plain, 'EUR').requests[0]?.body.eachWay).toBeUndefined();
  });

  it('turns the wallet history filter into a period for the server and a kind for the rows', () => {
    const now = Date.parse('2026-06-30T12:00:00Z');
    const day = 86_400_000;
    expect(periodRange(defaultFilter(), now)).toEqual({ from: now - 90 * day, to: null });
    expect(periodRange({ ...defaultFilter(), period: '365d' }, now).from).toBe(now - 365 * day);
    // Between two dates, the second one included (local midnight to the next midnight).
    const custom = periodRange(
      { period: 'custom', from: '2026-04-01', to: '2026-04-30', kind: 'all' },
      now,
    );
    expect(custom.from).toBe(new Date(2026, 3, 1).getTime());
    expect(custom.to).toBe(new Date(2026, 4, 1).getTime());
    expect(periodRange({ period: 'custom', from: '', to: 'x', kind: 'all' }, now)).toEqual({
      from: null,
      to: null,
    });
    const kinds = ['deposit', 'withdrawal_reversal', 'bet_stake', 'bet_winnings', 'cash_out'];
    expect(kinds.filter((k) => kindMatches(k, 'payments'))).toEqual([
      'deposit',
      'withdrawal_reversal',
    ]);
    expect(kinds.filter((k) => kindMatches(k, 'bets'))).toEqual(['bet_stake', 'cash_out']);
    expect(kinds.filter((k) => kindMatches(k, 'winnings'))).toEqual(['bet_winnings', 'cash_out']);
    expect(kinds.filter((k) => kindMatches(k, 'all'))).toEqual(kinds);
  });

  it('pays a stake with bonus money after cash, or stakes a free bet on one bet only', () => {
    const [a, b] = ['a', 'b'].map((id) =>
      event(id, [{ id: `${id}m`, sels: ['2.00', '3.00'] }]),
    ) as Event[];
    let single = pick(emptySlip(), a!);
    single = slipReducer(single, { type: 'stake', selectionId: 'am-s0', text: '3' });
    const free = slipReducer(single, { type: 'funding', funding: 'free:fb-1' });
    expect(betRequests(free, 'EUR').requests[0]?.body).toMatchObject({
      freeBetId: 'fb-1',
      stake: '300',
    });
    const bonus = slipReducer(single, { type: 'funding', funding: 'bonus' });
    expect(betRequests(bonus, 'EUR').requests[0]?.body).toMatchObject({ useBonus: true });
    // Two singles: bonus money may pay both, a free bet neither.
    let two = pick(pick(emptySlip(), a!), b!);
    two = slipReducer(two, { type: 'mode', mode: 'singles' });
    two = slipReducer(slipReducer(two, { type: 'stake', selectionId: 'am-s0', text: '1' }), {
      type: 'stake',
      selectionId: 'bm-s0',
      text: '1',
    });
    const twoFree = betRequests(slipReducer(two, { type: 'funding', funding: 'free:fb-1' }), 'EUR');
    expect(twoFree.requests.map((r) => r.body.freeBetId)).toEqual([undefined, undefined]);
    // The multiple of the two is one bet: the free bet pays it.
    const multiple = slipReducer(slipReducer(two, { type: 'mode', mode: 'multiple' }), {
      type: 'funding',
      funding: 'free:fb-1',
    });
    const staked = slipReducer(multiple, { type: 'stake', selectionId: null, text: '3' });
    expect(betRequests(staked, 'EUR').requests[0]?.body.freeBetId).toBe('fb-1');
  });
});
