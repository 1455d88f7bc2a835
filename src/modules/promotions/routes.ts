// HTTP: players list promotions, opt in (and claim), see their bonus wallet, free bets and
// loyalty, and redeem points; staff create and run promotions, award them by hand, manage
// segments and the loyalty scheme.
import { Type } from 'typebox';
import type { Db, Queryable } from '../../platform/db/db.ts';
import {
  contextOf,
  IdempotencyHeaders,
  IdParams,
  idempotencyKeyOf,
  sendOutcome,
} from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { runIdempotent } from '../../platform/idempotency.ts';
import { formatPrice, parsePrice } from '../../platform/money.ts';
import { audit } from '../audit/index.ts';
import { requires } from '../identity/index.ts';
import { bonusBalance, getWallet } from '../wallet/index.ts';
import { award, optIn } from './award.ts';
import { type Grant, listGrants } from './bonus.ts';
import { ineligibility, playerProfile, receivesPromotions } from './eligibility.ts';
import { listFreeBets } from './free-bets.ts';
import { getLoyalty, getLoyaltyConfig, redeemPoints, setLoyaltyConfig } from './loyalty.ts';
import {
  getPromotion,
  insertPromotion,
  listPromotions,
  type Promotion,
  setPromotionStatus,
  type Terms,
} from './promotion.ts';
import {
  Award,
  AwardBody,
  BonusWallet,
  Loyalty,
  LoyaltyConfig,
  NewPromotionBody,
  OptInResult,
  PlayerPromotionView,
  PromotionView,
  RedeemBody,
  Redemption,
  SegmentBody,
  SegmentParams,
  SegmentView,
  StatusBody,
} from './schemas.ts';

/** Terms as the API shows them: prices as decimal odds. */
function presentTerms(terms: Terms): Record<string, unknown> {
  const out: Record<string, unknown> = { ...terms };
  for (const key of ['minOdds', 'boostedPrice', 'minLegOdds'] as const) {
    const value = terms[key];
    if (typeof value === 'number') out[key] = formatPrice(value);
  }
  return out;
}

const presentPromotion = (p: Promotion) => ({
  id: p.id,
  kind: p.kind,
  name: p.name,
  description: p.description,
  currency: p.currency,
  status: p.status,
  startsAt: p.startsAt.toISOString(),
  endsAt: p.endsAt.toISOString(),
  segments: p.segments,
  countries: p.countries,
  newPlayersDays: p.newPlayersDays,
  optIn: p.optIn,
  budget: p.budget === null ? null : p.budget.toString(),
  spent: p.spent.toString(),
  maxAwards: p.maxAwards,
  awards: p.awards,
  perPlayer: p.perPlayer,
  terms: presentTerms(p.terms),
});

const presentGrant = (g: Grant) => ({
  id: g.id,
  amount: g.amount.toString(),
  currency: g.currency,
  wageringRequired: g.wageringRequired.toString(),
  wagered: g.wagered.toString(),
  minOdds: g.minOdds === null ? null : formatPrice(g.minOdds),
  expiresAt: g.expiresAt.toISOString(),
  forfeitOnWithdrawal: g.forfeitOnWithdrawal,
  status: g.status,
  closedAmount: g.closedAmount === null ? null : g.closedAmount.toString(),
  closedReason: g.closedReason,
  createdAt: g.createdAt.toISOString(),
});

/** The live promotions a player may see: none while excluded or in a time-out. */
async function promotionsFor(q: Queryable, playerId: string) {
  if (!(await receivesPromotions(q, playerId))) return [];
  const profile = await playerProfile(q, playerId);
  const now = new Date();
  const live = (await listPromotions(q, { live: true })).filter(
    (p) => ineligibility(p, profile, now) === undefined,
  );
  if (live.length === 0) return [];
  const ids = live.map((p) => p.id);
  const optIns = await q.query<{ promotion_id: string }>(
    'SELECT promotion_id FROM promotions.opt_ins WHERE player_id = $1 AND promotion_id = ANY($2::uuid[])',
    [playerId, ids],
  );
  // What the player has had of each: awards, and for an odds boost the bets struck with it.
  const awards = await q.query<{ promotion_id: string; n: number }>(
    `SELECT promotion_id, count(*)::int AS n FROM (
       SELECT promotion_id FROM promotions.awards
       WHERE player_id = $1 AND promotion_id = ANY($2::uuid[])
       UNION ALL
       SELECT boost_id FROM promotions.bet_terms
       WHERE player_id = $1 AND boost_id = ANY($2::uuid[])
     ) used GROUP BY promotion_id`,
    [playerId, ids],
  );
  const opted = new Set(optIns.map((o) => o.promotion_id));
  const claimed = new Map(awards.map((a) => [a.promotion_id, a.n]));
  return live.map((p) => ({
    id: p.id,
    kind: p.kind,
    name: p.name,
    description: p.description,
    currency: p.currency,
    endsAt: p.endsAt.toISOString(),
    optIn: p.optIn,
    optedIn: opted.has(p.id),
    claimed: claimed.get(p.id) ?? 0,
    perPlayer: p.perPlayer,
    terms: presentTerms(p.terms),
  }));
}

const price = (text: string | undefined) => (text === undefined ? undefined : parsePrice(text));

export function promotionRoutes(app: HttpServer, deps: { db: Db }): void {
  const { db } = deps;

  // ── Players ────────────────────────────────────────────────────────────────────────────
  app.get(
    '/api/v1/promotions',
    {
      config: { access: 'player' },
      schema: {
        tags: ['promotions'],
        summary: 'Promotions I can take part in now',
        response: { 200: Type.Array(PlayerPromotionView) },
      },
    },
    async (request) => promotionsFor(db, request.principal!.accountId),
  );

  app.post(
    '/api/v1/promotions/:id/opt-in',
    {
      config: { access: 'player' },
      schema: {
        tags: ['promotions'],
        summary: 'Opt in to a promotion (a free-bet or bonus promotion awards at once)',
        params: IdParams,
        headers: IdempotencyHeaders,
        response: { 201: OptInResult },
      },
    },
    async (request, reply) => {
      const playerId = request.principal!.accountId;
      const outcome = await runIdempotent(
        db,
        'promotions.opt-in',
        {
          scope: playerId,
          idempotencyKey: idempotencyKeyOf(request),
          input: { promotionId: request.params.id },
        },
        (tx, input) => optIn(tx, input.promotionId, playerId, contextOf(request)),
      );
      return sendOutcome(reply, outcome, 201);
    },
  );

  app.get(
    '/api/v1/promotions/wallet',
    {
      config: { access: 'player' },
      schema: {
        tags: ['promotions'],
        summary: 'My bonus balance, bonus grants with wagering progress, and free bets',
        response: { 200: BonusWallet },
      },
    },
    async (request) => {
      const playerId = request.principal!.accountId;
      const wallet = await getWallet(db, playerId);
      const grants = await listGrants(db, playerId);
      const freeBets = await listFreeBets(db, playerId);
      const active = grants.find((g) => g.status === 'active' && g.currency === wallet.currency);
      return {
        currency: wallet.currency,
        bonusBalance: (await bonusBalance(db, playerId, wallet.currency)).toString(),
        activeGrant: active ? presentGrant(active) : null,
        grants: grants.map(presentGrant),
        freeBets: freeBets.map((f) => ({
          id: f.id,
          amount: f.amount.toString(),
          currency: f.currency,
          minOdds: f.minOdds === null ? null : formatPrice(f.minOdds),
          sports: f.sports,
          marketTypes: f.marketTypes,
          expiresAt: f.expiresAt.toISOString(),
          status: f.status,
          betId: f.betId,
        })),
      };
    },
  );

  app.get(
    '/api/v1/loyalty',
    {
      config: { access: 'player' },
      schema: {
        tags: ['promotions'],
        summary: 'My loyalty points, tier and recent entries',
        response: { 200: Loyalty },
      },
    },
    async (request) => getLoyalty(db, request.principal!.accountId),
  );

  app.post(
    '/api/v1/loyalty/redemptions',
    {
      config: { access: 'player' },
      schema: {
        tags: ['promotions'],
        summary: 'Redeem loyalty points into a free bet or bonus funds',
        headers: IdempotencyHeaders,
        body: RedeemBody,
        response: { 201: Redemption },
      },
    },
    async (request, reply) => {
      const playerId = request.principal!.accountId;
      const outcome = await runIdempotent(
        db,
        'promotions.redeem',
        {
          scope: playerId,
          idempotencyKey: idempotencyKeyOf(request),
          input: { points: request.body.points, into: request.body.into },
        },
        (tx, input) =>
          redeemPoints(
            tx,
            { playerId, points: BigInt(input.points), into: input.into },
            contextOf(request),
          ),
      );
      return sendOutcome(reply, outcome, 201);
    },
  );

  // ── Staff ──────────────────────────────────────────────────────────────────────────────
  app.post(
    '/api/v1/admin/promotions',
    {
      config: { access: requires('promotions:manage') },
      schema: {
        tags: ['promotions'],
        summary: 'Create a promotion',
        body: NewPromotionBody,
        response: { 201: PromotionView },
      },
    },
    async (request, reply) => {
      const staffId = request.principal!.accountId;
      const b = request.body;
      const promotion = await db.transaction(async (tx) => {
        const created = await insertPromotion(
          tx,
          {
            kind: b.kind,
            name: b.name,
            description: b.description,
            currency: b.currency,
            startsAt: new Date(b.startsAt),
            endsAt: new Date(b.endsAt),
            segments: b.segments,
            countries: b.countries,
            newPlayersDays: b.newPlayersDays ?? null,
            optIn: b.optIn,
            budget: b.budget === undefined ? null : BigInt(b.budget),
            maxAwards: b.maxAwards ?? null,
            perPlayer: b.perPlayer,
            terms: {
              ...b.terms,
              minOdds: price(b.terms.minOdds),
              boostedPrice: price(b.terms.boostedPrice),
              minLegOdds: price(b.terms.minLegOdds),
            },
          },
          staffId,
        );
        await audit(tx, {
          actor: { id: staffId, kind: 'staff' },
          action: 'promotion.created',
          target: { type: 'promotion', id: created.id },
          details: { kind: created.kind, name: created.name, budget: b.budget ?? null },
          context: contextOf(request),
        });
        return created;
      });
      return reply.code(201).send(presentPromotion(promotion));
    },
  );

  app.get(
    '/api/v1/admin/promotions',
    {
      config: { access: requires('promotions:manage') },
      schema: {
        tags: ['promotions'],
        summary: 'Every promotion, newest first',
        response: { 200: Type.Array(PromotionView) },
      },
    },
    async () => (await listPromotions(db)).map(presentPromotion),
  );

  app.get(
    '/api/v1/admin/promotions/:id',
    {
      config: { access: requires('promotions:manage') },
      schema: {
        tags: ['promotions'],
        summary: 'One promotion with its budget spent and awards made',
        params: IdParams,
        response: { 200: PromotionView },
      },
    },
    async (request) => presentPromotion(await getPromotion(db, request.params.id)),
  );

  app.post(
    '/api/v1/admin/promotions/:id/status',
    {
      config: { access: requires('promotions:manage') },
      schema: {
        tags: ['promotions'],
        summary: 'Pause, resume or end a promotion',
        params: IdParams,
        body: StatusBody,
        response: { 200: PromotionView },
      },
    },
    async (request) => {
      const staffId = request.principal!.accountId;
      const promotion = await db.transaction(async (tx) => {
        const changed = await setPromotionStatus(tx, request.params.id, request.body.status);
        await audit(tx, {
          actor: { id: staffId, kind: 'staff' },
          action: 'promotion.status_changed',
          target: { type: 'promotion', id: changed.id },
          details: { status: changed.status },
          context: contextOf(request),
        });
        return changed;
      });
      return presentPromotion(promotion);
    },
  );

  app.post(
    '/api/v1/admin/promotions/:id/awards',
    {
      config: { access: requires('promotions:manage') },
      schema: {
        tags: ['promotions'],
        summary: 'Award a free-bet or bonus promotion to a player by hand',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: AwardBody,
        response: { 201: Award },
      },
    },
    async (request, reply) => {
      const staffId = request.principal!.accountId;
      const key = idempotencyKeyOf(request);
      const outcome = await runIdempotent(
        db,
        'promotions.award',
        {
          scope: staffId,
          idempotencyKey: key,
          input: { promotionId: request.params.id, playerId: request.body.playerId },
        },
        async (tx, input) =>
          award(tx, {
            promotion: await getPromotion(tx, input.promotionId),
            playerId: input.playerId,
            source: `staff:${key}`,
            staffId,
            context: contextOf(request),
          }),
      );
      return sendOutcome(reply, outcome, 201);
    },
  );

  app.post(
    '/api/v1/admin/promotions/segments/:segment',
    {
      config: { access: requires('promotions:manage') },
      schema: {
        tags: ['promotions'],
        summary: 'Add players to or remove them from a segment',
        params: SegmentParams,
        body: SegmentBody,
        response: { 200: SegmentView },
      },
    },
    async (request) => {
      const staffId = request.principal!.accountId;
      const { segment } = request.params;
      const add = request.body.add ?? [];
      const remove = request.body.remove ?? [];
      return db.transaction(async (tx) => {
        if (add.length > 0)
          await tx.query(
            `INSERT INTO promotions.segment_members (segment, player_id, added_by)
             SELECT $1, p, $3 FROM unnest($2::uuid[]) AS p ON CONFLICT DO NOTHING`,
            [segment, add, staffId],
          );
        if (remove.length > 0)
          await tx.query(
            'DELETE FROM promotions.segment_members WHERE segment = $1 AND player_id = ANY($2::uuid[])',
            [segment, remove],
          );
        await audit(tx, {
          actor: { id: staffId, kind: 'staff' },
          action: 'promotion.segment_changed',
          target: { type: 'segment', id: segment },
          details: { added: add, removed: remove },
          context: contextOf(request),
        });
        const [row] = await tx.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM promotions.segment_members WHERE segment = $1',
          [segment],
        );
        return { segment, members: row?.n ?? 0 };
      });
    },
  );

  app.get(
    '/api/v1/admin/loyalty',
    {
      config: { access: requires('promotions:manage') },
      schema: {
        tags: ['promotions'],
        summary: 'The loyalty scheme: rates, tiers and redemption',
        response: { 200: LoyaltyConfig },
      },
    },
    async () => getLoyaltyConfig(db),
  );

  app.put(
    '/api/v1/admin/loyalty',
    {
      config: { access: requires('promotions:manage') },
      schema: {
        tags: ['promotions'],
        summary: 'Replace the loyalty scheme',
        body: LoyaltyConfig,
        response: { 200: LoyaltyConfig },
      },
    },
    async (request) =>
      db.transaction((tx) =>
        setLoyaltyConfig(tx, request.body, request.principal!.accountId, contextOf(request)),
      ),
  );
}
