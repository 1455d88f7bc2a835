import { beforeAll, describe, expect, it } from 'vitest';
import type { Staff } from '../../../test/support/app.ts';
import { useTestApp } from '../../../test/support/app.ts';
import {
  competition,
  counts,
  expectProblem,
  expectUnchanged,
  inHours,
  resultMarket,
  snapshot,
  twoWayMarket,
} from '../../../test/support/betting-helpers.ts';

describe('trading the catalogue through the admin API', () => {
  const t = useTestApp();
  let admin: Staff;
  let trader: Staff;
  let competitionId: string;
  let sportId: string;

  beforeAll(async () => {
    admin = await t.staff(['admin']);
    trader = await t.trader();
    ({ sportId, competitionId } = await competition(
      t,
      admin.token,
      { slug: 'tennis', name: 'Tennis' },
      'ATP Tour',
    ));
  });

  const newEvent = (overrides: Record<string, unknown> = {}) =>
    t.api.post(
      '/api/v1/admin/events',
      {
        competitionId,
        name: 'A. Player v B. Player',
        home: 'A. Player',
        away: 'B. Player',
        startsAt: inHours(48),
        markets: [twoWayMarket(['1.55', '2.375'])],
        ...overrides,
      },
      { token: trader.token },
    );

  it('creates a sport, a competition and an event with its markets', async () => {
    const sport = await t.api.post(
      '/api/v1/admin/sports',
      { slug: 'darts', name: 'Darts', displayOrder: 7 },
      { token: admin.token },
    );
    expect(sport.status).toBe(201);
    expect(sport.body).toMatchObject({ slug: 'darts', name: 'Darts' });
    const comp = await t.api.post(
      '/api/v1/admin/competitions',
      { sportId: sport.body.id, name: 'World Championship', country: 'England' },
      { token: admin.token },
    );
    expect(comp.status).toBe(201);
    expect(comp.body).toMatchObject({ sportId: sport.body.id, country: 'England' });

    const startsAt = inHours(30);
    const created = await t.api.post(
      '/api/v1/admin/events',
      {
        competitionId: comp.body.id,
        name: 'L. Littler v L. Humphries',
        startsAt,
        markets: [
          twoWayMarket(['1.40', '2.90']),
          {
            type: 'total_180s',
            name: 'Total 180s',
            line: '8.5',
            selections: [
              { name: 'Over 8.5', outcome: 'over', price: '1.833' },
              { name: 'Under 8.5', outcome: 'under', price: '1.95' },
            ],
          },
        ],
      },
      { token: trader.token },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      sport: { id: sport.body.id, slug: 'darts', name: 'Darts' },
      competition: { id: comp.body.id, name: 'World Championship' },
      name: 'L. Littler v L. Humphries',
      home: null,
      away: null,
      startsAt,
      status: 'scheduled',
    });
    expect(
      created.body.markets.map((m: any) => ({
        type: m.type,
        line: m.line,
        status: m.status,
        prices: m.selections.map((s: any) => [s.name, s.price, s.result]),
      })),
    ).toEqual([
      {
        type: 'match_winner',
        line: null,
        status: 'open',
        prices: [
          ['Home', '1.40', null],
          ['Away', '2.90', null],
        ],
      },
      {
        type: 'total_180s',
        line: '8.5',
        status: 'open',
        prices: [
          ['Over 8.5', '1.833', null],
          ['Under 8.5', '1.95', null],
        ],
      },
    ]);

    const read = await t.api.get(`/api/v1/events/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    const history = await t.db.query<{ price: number }>(
      `SELECT h.price FROM catalog.price_history h JOIN catalog.selections s ON s.id = h.selection_id
       JOIN catalog.markets m ON m.id = s.market_id WHERE m.event_id = $1 ORDER BY h.price`,
      [created.body.id],
    );
    expect(history.map((h) => h.price)).toEqual([1400, 1833, 1950, 2900]);
    const announced = await t.db.query(
      `SELECT 1 FROM platform.outbox WHERE type = 'event.created' AND aggregate_id = $1`,
      [created.body.id],
    );
    expect(announced).toHaveLength(1);
  });

  it('adds a market to an event after its existing markets and announces it', async () => {
    const event = await newEvent();
    const added = await t.api.post(
      `/api/v1/admin/events/${event.body.id}/markets`,
      {
        type: 'handicap',
        name: 'Games handicap',
        line: '-3.5',
        selections: [
          { name: 'A. Player -3.5', price: '1.90' },
          { name: 'B. Player +3.5', price: '1.90' },
        ],
      },
      { token: trader.token },
    );
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      eventId: event.body.id,
      type: 'handicap',
      line: '-3.5',
      status: 'open',
    });
    const read = await t.api.get(`/api/v1/events/${event.body.id}`);
    expect(read.body.markets.map((m: any) => m.type)).toEqual(['match_winner', 'handicap']);
    const outbox = await t.db.query<{ payload: any }>(
      `SELECT payload FROM platform.outbox WHERE type = 'market.updated' AND aggregate_id = $1`,
      [added.body.id],
    );
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.payload.market).toEqual(added.body);
  });

  it('refuses a sport whose slug exists (409 sport_exists)', async () => {
    const before = await snapshot(t);
    const duplicate = await t.api.post(
      '/api/v1/admin/sports',
      { slug: 'tennis', name: 'Lawn tennis' },
      { token: admin.token },
    );
    expectProblem(duplicate, 409, 'sport_exists');
    await expectUnchanged(t, before);
  });

  it('refuses a competition of an unknown sport and a second competition of the same name', async () => {
    const before = await snapshot(t);
    expectProblem(
      await t.api.post(
        '/api/v1/admin/competitions',
        { sportId: '00000000-0000-4000-8000-000000000000', name: 'Nowhere Cup' },
        { token: admin.token },
      ),
      404,
      'sport_not_found',
    );
    expectProblem(
      await t.api.post(
        '/api/v1/admin/competitions',
        { sportId, name: 'ATP Tour' },
        { token: admin.token },
      ),
      409,
      'competition_exists',
    );
    await expectUnchanged(t, before);
  });

  it('refuses an event in an unknown competition (404)', async () => {
    const before = await snapshot(t);
    expectProblem(
      await newEvent({ competitionId: '00000000-0000-4000-8000-000000000001' }),
      404,
      'competition_not_found',
    );
    await expectUnchanged(t, before);
  });

  it('refuses an event that starts in the past (422 starts_in_past)', async () => {
    const before = await snapshot(t);
    expectProblem(
      await newEvent({ startsAt: new Date(Date.now() - 60_000).toISOString() }),
      422,
      'starts_in_past',
    );
    await expectUnchanged(t, before);
  });

  it('refuses a market with fewer than two selections (400)', async () => {
    const event = await newEvent();
    const before = await snapshot(t);
    const one = {
      type: 'outright',
      name: 'Winner',
      selections: [{ name: 'Only one', price: '1.50' }],
    };
    expectProblem(
      await t.api.post(`/api/v1/admin/events/${event.body.id}/markets`, one, {
        token: trader.token,
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.api.post(
        `/api/v1/admin/events/${event.body.id}/markets`,
        { ...one, selections: [] },
        { token: trader.token },
      ),
      400,
      'validation_failed',
    );
    expectProblem(await newEvent({ markets: [one] }), 400, 'validation_failed');
    await expectUnchanged(t, before);
  });

  it('refuses a market whose selections share a name (422 duplicate_selection), even inside a new event', async () => {
    const event = await newEvent();
    const before = await snapshot(t);
    const twins = {
      type: 'match_winner',
      name: 'Winner',
      selections: [
        { name: 'Same', price: '1.50' },
        { name: 'Same', price: '2.50' },
      ],
    };
    expectProblem(
      await t.api.post(`/api/v1/admin/events/${event.body.id}/markets`, twins, {
        token: trader.token,
      }),
      422,
      'duplicate_selection',
    );
    // The first market is valid; the event and that market must roll back with the second.
    expectProblem(await newEvent({ markets: [twoWayMarket(), twins] }), 422, 'duplicate_selection');
    await expectUnchanged(t, before);
  });

  it('refuses a new market on an event that has ended or was cancelled (409 event_closed)', async () => {
    const ended = await newEvent();
    const cancelled = await newEvent();
    await t.db.query(`UPDATE catalog.events SET status = 'ended' WHERE id = $1`, [ended.body.id]);
    await t.db.query(`UPDATE catalog.events SET status = 'cancelled' WHERE id = $1`, [
      cancelled.body.id,
    ]);
    const before = await snapshot(t);
    for (const event of [ended, cancelled]) {
      expectProblem(
        await t.api.post(`/api/v1/admin/events/${event.body.id}/markets`, twoWayMarket(), {
          token: trader.token,
        }),
        409,
        'event_closed',
      );
    }
    await expectUnchanged(t, before);
  });

  it('refuses a market on an unknown event (404 event_not_found)', async () => {
    const before = await snapshot(t);
    expectProblem(
      await t.api.post(
        '/api/v1/admin/events/00000000-0000-4000-8000-000000000002/markets',
        twoWayMarket(),
        { token: trader.token },
      ),
      404,
      'event_not_found',
    );
    await expectUnchanged(t, before);
  });

  it('refuses prices outside 1.001–1000 (422 invalid_price) and accepts the bounds', async () => {
    const event = await newEvent();
    const before = await snapshot(t);
    for (const price of ['1.00', '1.000', '0.5', '0', '1000.001', '1001', '9999.999']) {
      const response = await t.api.post(
        `/api/v1/admin/events/${event.body.id}/markets`,
        twoWayMarket([price, '1.90']),
        { token: trader.token },
      );
      expectProblem(response, 422, 'invalid_price');
      expect(response.body.price).toBe(price);
    }
    expectProblem(
      await newEvent({ markets: [twoWayMarket(['1.90', '0.99'])] }),
      422,
      'invalid_price',
    );
    await expectUnchanged(t, before);

    const bounds = await t.api.post(
      `/api/v1/admin/events/${event.body.id}/markets`,
      twoWayMarket(['1.001', '1000']),
      { token: trader.token },
    );
    expect(bounds.status).toBe(201);
    expect(bounds.body.selections.map((s: any) => s.price)).toEqual(['1.001', '1000.00']);
  });

  it('refuses prices that are not decimal odds with at most three decimals (400)', async () => {
    const event = await newEvent();
    const before = await snapshot(t);
    for (const price of ['1.9001', '2,5', '-2.0', 'abc', '', '12345']) {
      expectProblem(
        await t.api.post(
          `/api/v1/admin/events/${event.body.id}/markets`,
          twoWayMarket([price, '1.90']),
          { token: trader.token },
        ),
        400,
        'validation_failed',
      );
    }
    const selection = event.body.markets[0].selections[0];
    expectProblem(
      await t.api.patch(
        `/api/v1/admin/selections/${selection.id}`,
        { price: '2.0001' },
        { token: trader.token },
      ),
      400,
      'validation_failed',
    );
    await expectUnchanged(t, before);
  });

  it('moves a price: the market shows it, price_history keeps it and market.updated announces it', async () => {
    const event = await newEvent();
    const market = event.body.markets[0];
    const selection = market.selections[1];
    const outboxBefore = (await counts(t))['platform.outbox'];
    const moved = await t.api.patch(
      `/api/v1/admin/selections/${selection.id}`,
      { price: '2.625' },
      { token: trader.token },
    );
    expect(moved.status).toBe(200);
    expect(moved.body.id).toBe(market.id);
    expect(moved.body.selections.map((s: any) => s.price)).toEqual(['1.55', '2.625']);

    const history = await t.db.query<{ price: number; changed_by: string | null }>(
      'SELECT price, changed_by FROM catalog.price_history WHERE selection_id = $1 ORDER BY id',
      [selection.id],
    );
    expect(history).toEqual([
      { price: 2375, changed_by: null },
      { price: 2625, changed_by: trader.id },
    ]);
    const outbox = await t.db.query<{ type: string; aggregate_id: string; payload: any }>(
      'SELECT type, aggregate_id, payload FROM platform.outbox ORDER BY id DESC LIMIT 1',
    );
    expect((await counts(t))['platform.outbox']).toBe(outboxBefore + 1);
    expect(outbox[0]).toMatchObject({ type: 'market.updated', aggregate_id: market.id });
    expect(outbox[0]!.payload.market).toEqual(moved.body);
    const read = await t.api.get(`/api/v1/events/${event.body.id}`);
    expect(read.body.markets[0].selections[1].price).toBe('2.625');
  });

  it('refuses a price move to an invalid price or on an unknown selection', async () => {
    const event = await newEvent();
    const selection = event.body.markets[0].selections[0];
    const before = await snapshot(t);
    expectProblem(
      await t.api.patch(
        `/api/v1/admin/selections/${selection.id}`,
        { price: '1.000' },
        { token: trader.token },
      ),
      422,
      'invalid_price',
    );
    expectProblem(
      await t.api.patch(
        '/api/v1/admin/selections/00000000-0000-4000-8000-000000000003',
        { price: '2.00' },
        { token: trader.token },
      ),
      404,
      'selection_not_found',
    );
    expectProblem(
      await t.api.patch(
        `/api/v1/admin/selections/${selection.id}`,
        { price: '2.00', note: 'x' },
        { token: trader.token },
      ),
      400,
      'validation_failed',
    );
    await expectUnchanged(t, before);
  });

  it('suspends and reopens a market, and the public event shows each state', async () => {
    const event = await newEvent();
    const market = event.body.markets[0];
    const suspended = await t.api.post(`/api/v1/admin/markets/${market.id}/suspend`, undefined, {
      token: trader.token,
    });
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe('suspended');
    expect((await t.api.get(`/api/v1/events/${event.body.id}`)).body.markets[0].status).toBe(
      'suspended',
    );
    // Suspending a suspended market is harmless.
    const again = await t.api.post(`/api/v1/admin/markets/${market.id}/suspend`, undefined, {
      token: trader.token,
    });
    expect(again.body.status).toBe('suspended');

    const reopened = await t.api.post(`/api/v1/admin/markets/${market.id}/open`, undefined, {
      token: trader.token,
    });
    expect(reopened.status).toBe(200);
    expect(reopened.body.status).toBe('open');
    expect((await t.api.get(`/api/v1/events/${event.body.id}`)).body.markets[0].status).toBe(
      'open',
    );
    const announced = await t.db.query<{ status: string }>(
      `SELECT payload->'market'->>'status' AS status FROM platform.outbox
       WHERE type = 'market.updated' AND aggregate_id = $1 ORDER BY id`,
      [market.id],
    );
    expect(announced.map((a) => a.status)).toEqual(['suspended', 'suspended', 'open']);
  });

  it('refuses a price move, a suspension or a reopening on a settled market (409 market_settled)', async () => {
    const event = await newEvent();
    const market = event.body.markets[0];
    const resulted = await resultMarket(t, market.id, { winners: [market.selections[0].id] });
    expect(resulted.status).toBe(200);
    const before = await snapshot(t);
    expectProblem(
      await t.api.patch(
        `/api/v1/admin/selections/${market.selections[1].id}`,
        { price: '3.00' },
        { token: trader.token },
      ),
      409,
      'market_settled',
    );
    for (const action of ['suspend', 'open']) {
      expectProblem(
        await t.api.post(`/api/v1/admin/markets/${market.id}/${action}`, undefined, {
          token: trader.token,
        }),
        409,
        'market_settled',
      );
    }
    await expectUnchanged(t, before);
    const read = await t.api.get(`/api/v1/events/${event.body.id}`);
    expect(read.body.markets[0]).toMatchObject({ status: 'settled' });
    expect(read.body.markets[0].selections.map((s: any) => s.result)).toEqual(['win', 'lose']);
  });

  it('refuses unknown markets, malformed ids and unknown fields without a 500', async () => {
    const before = await snapshot(t);
    expectProblem(
      await t.api.post(
        '/api/v1/admin/markets/00000000-0000-4000-8000-000000000004/suspend',
        undefined,
        {
          token: trader.token,
        },
      ),
      404,
      'market_not_found',
    );
    expectProblem(
      await t.api.post('/api/v1/admin/markets/not-a-uuid/suspend', undefined, {
        token: trader.token,
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await t.api.post(
        '/api/v1/admin/sports',
        { slug: 'Not A Slug', name: 'x' },
        { token: admin.token },
      ),
      400,
      'validation_failed',
    );
    expectProblem(await newEvent({ extra: true }), 400, 'validation_failed');
    expectProblem(await newEvent({ startsAt: 'tomorrow' }), 400, 'validation_failed');
    expectProblem(await newEvent({ competitionId: 'nope' }), 400, 'validation_failed');
    await expectUnchanged(t, before);
  });

  it('lets only staff with the permission trade', async () => {
    const player = await t.player();
    const support = await t.staff(['support']);
    const before = await snapshot(t);
    const body = { slug: 'golf', name: 'Golf' };
    expectProblem(await t.api.post('/api/v1/admin/sports', body), 401, 'unauthenticated');
    expectProblem(
      await t.api.post('/api/v1/admin/sports', body, { token: player.token }),
      403,
      'forbidden',
    );
    expectProblem(
      await t.api.post('/api/v1/admin/sports', body, { token: support.token }),
      403,
      'forbidden',
    );
    await expectUnchanged(t, before);
  });
});
