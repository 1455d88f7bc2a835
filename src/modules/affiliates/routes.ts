// HTTP: the tracking redirect (public), the affiliate's portal (links, dashboard, statements)
// and the staff's commission administration (plans, statements: compute, approve, pay), which
// needs `partners:manage`.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import {
  Amount,
  contextOf,
  IdempotencyHeaders,
  IdParams,
  idempotencyKeyOf,
  SignedAmount,
  sendOutcome,
  Timestamp,
  Uuid,
} from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { affiliateDashboard } from './dashboard.ts';
import {
  assignPlan,
  createPlan,
  listPlans,
  PLAN_TYPES,
  presentPlan,
  type StaffActor,
} from './plans.ts';
import {
  approveStatement,
  commissionBalances,
  computeStatement,
  computeStatements,
  listStatements,
  payStatement,
} from './statements.ts';
import {
  createLink,
  disableLink,
  listLinks,
  recordClick,
  VISITOR_COOKIE,
  visitorFromCookie,
} from './tracking.ts';

const manage = { permission: 'partners:manage' } as const;
const Period = Type.String({
  pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
  description: 'A month: YYYY-MM.',
});
const Bps = Type.Integer({ minimum: 0, maximum: 10_000, description: 'Basis points (100 = 1%).' });

const PlanSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  type: Type.String(),
  currency: Type.String(),
  revShareBps: Type.Integer(),
  tiers: Type.Array(Type.Object({ fromNgr: Type.String(), revShareBps: Type.Integer() })),
  cpaAmount: Type.String(),
  cpaMinDeposit: Type.String(),
  cpaMinWagering: Type.String(),
  cpaWindowDays: Type.Integer(),
  adminFeeBps: Type.Integer(),
  negativeCarryover: Type.Boolean(),
  createdAt: Timestamp,
});

const NewPlanBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    type: Type.Union(PLAN_TYPES.map((t) => Type.Literal(t))),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    revShareBps: Type.Optional(Bps),
    tiers: Type.Optional(
      Type.Array(
        Type.Object({ fromNgr: Amount, revShareBps: Bps }, { additionalProperties: false }),
        {
          maxItems: 20,
        },
      ),
    ),
    cpaAmount: Type.Optional(Amount),
    cpaMinDeposit: Type.Optional(Amount),
    cpaMinWagering: Type.Optional(Amount),
    cpaWindowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    adminFeeBps: Type.Optional(Bps),
    negativeCarryover: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const PlayerFigures = Type.Object({
  playerId: Uuid,
  turnover: SignedAmount,
  stakes: SignedAmount,
  returns: SignedAmount,
  ggr: SignedAmount,
  bonusCosts: SignedAmount,
  fees: SignedAmount,
  ngr: SignedAmount,
});

const Statement = Type.Object({
  id: Uuid,
  partnerId: Uuid,
  period: Type.String(),
  currency: Type.String(),
  plan: PlanSchema,
  ngr: SignedAmount,
  carryIn: SignedAmount,
  carryOut: SignedAmount,
  revShare: SignedAmount,
  cpa: SignedAmount,
  cpaPlayers: Type.Array(Uuid),
  commission: SignedAmount,
  players: Type.Array(PlayerFigures),
  status: Type.Union([Type.Literal('draft'), Type.Literal('approved'), Type.Literal('paid')]),
  computedAt: Timestamp,
  approvedAt: Type.Union([Timestamp, Type.Null()]),
  paidAt: Type.Union([Timestamp, Type.Null()]),
});

const Link = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  landingPath: Type.String(),
  url: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  createdAt: Timestamp,
});

const Dashboard = Type.Object({
  period: Type.String(),
  plan: Type.Union([PlanSchema, Type.Null()]),
  currency: Type.Union([Type.String(), Type.Null()]),
  clicks: Type.Integer(),
  uniqueVisitors: Type.Integer(),
  signups: Type.Integer(),
  firstTimeDepositors: Type.Integer(),
  links: Type.Array(
    Type.Object({
      linkId: Uuid,
      name: Type.String(),
      clicks: Type.Integer(),
      signups: Type.Integer(),
    }),
  ),
  ngr: SignedAmount,
  players: Type.Array(PlayerFigures),
});

const StatementsQuery = Type.Object({
  partnerId: Type.Optional(Uuid),
  status: Type.Optional(
    Type.Union([Type.Literal('draft'), Type.Literal('approved'), Type.Literal('paid')]),
  ),
  period: Type.Optional(Period),
});

const staffActor = (request: FastifyRequest): StaffActor => ({
  id: request.principal!.accountId,
  kind: request.principal!.kind,
  context: contextOf(request),
});

export function affiliateRoutes(app: HttpServer, deps: { db: Db; config: Config }): void {
  const { db, config } = deps;
  const partner = { tags: ['partner'] };
  const admin = { tags: ['admin'] };
  const secure = config.publicUrl.startsWith('https:');

  app.get(
    '/r/:code',
    {
      config: { access: 'public' },
      schema: {
        tags: ['affiliates'],
        summary:
          'Tracking link: records the click, keeps the visitor id in a cookie, and redirects to the landing page',
        params: Type.Object({ code: Type.String({ maxLength: 100 }) }),
      },
    },
    async (request, reply) => {
      const click = await recordClick(db, request.params.code, {
        visitorId: visitorFromCookie(request.headers.cookie),
        referrer: request.headers.referer,
        userAgent: request.headers['user-agent'],
      });
      reply.header('cache-control', 'no-store');
      reply.header('referrer-policy', 'no-referrer');
      if (!click) return reply.redirect('/', 302);
      const maxAge = config.affiliates.cookieDays * 86_400;
      reply.header(
        'set-cookie',
        `${VISITOR_COOKIE}=${click.visitorId}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`,
      );
      return reply.redirect(click.landingPath, 302);
    },
  );

  app.get(
    '/api/v1/partner/affiliate/links',
    {
      config: { access: 'partner' },
      schema: {
        ...partner,
        summary: 'My tracking links',
        response: { 200: Type.Object({ items: Type.Array(Link) }) },
      },
    },
    async (request) => ({
      items: await listLinks(db, request.principal!.accountId, config.publicUrl),
    }),
  );

  app.post(
    '/api/v1/partner/affiliate/links',
    {
      config: { access: 'partner' },
      schema: {
        ...partner,
        summary: 'Make a tracking link (an unguessable code) to a page of the site',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            landingPath: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Link },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await createLink(
            db,
            { id: request.principal!.accountId, context: contextOf(request) },
            request.body,
            config.publicUrl,
          ),
        ),
  );

  app.post(
    '/api/v1/partner/affiliate/links/:id/disable',
    {
      config: { access: 'partner' },
      schema: {
        ...partner,
        summary: 'Stop a tracking link',
        params: IdParams,
        response: { 200: Link },
      },
    },
    async (request) =>
      disableLink(
        db,
        { id: request.principal!.accountId, context: contextOf(request) },
        request.params.id,
        config.publicUrl,
      ),
  );

  app.get(
    '/api/v1/partner/affiliate/dashboard',
    {
      config: { access: 'partner' },
      schema: {
        ...partner,
        summary: 'Clicks, sign-ups, first-time depositors and NGR per player for a month',
        querystring: Type.Object({ period: Period }),
        response: { 200: Dashboard },
      },
    },
    async (request) => affiliateDashboard(db, request.principal!.accountId, request.query.period),
  );

  app.get(
    '/api/v1/partner/affiliate/statements',
    {
      config: { access: 'partner' },
      schema: {
        ...partner,
        summary: 'My commission statements (approved and paid) and my commission balance',
        response: {
          200: Type.Object({
            items: Type.Array(Statement),
            balances: Type.Array(Type.Object({ currency: Type.String(), balance: SignedAmount })),
          }),
        },
      },
    },
    async (request) => {
      const partnerId = request.principal!.accountId;
      const all = await listStatements(db, { partnerId });
      return {
        items: all.filter((s) => s.status !== 'draft'),
        balances: await commissionBalances(db, partnerId),
      };
    },
  );

  app.get(
    '/api/v1/admin/affiliate-plans',
    {
      config: { access: manage },
      schema: {
        ...admin,
        summary: 'Commission plans',
        response: { 200: Type.Object({ items: Type.Array(PlanSchema) }) },
      },
    },
    async () => ({ items: (await listPlans(db)).map(presentPlan) }),
  );

  app.post(
    '/api/v1/admin/affiliate-plans',
    {
      config: { access: manage },
      schema: {
        ...admin,
        summary: 'Create a commission plan (revshare, cpa, hybrid or tiered)',
        body: NewPlanBody,
        response: { 201: PlanSchema },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          presentPlan(await createPlan(db, staffActor(request), request.body, config.currencies)),
        ),
  );

  app.put(
    '/api/v1/admin/partners/:id/affiliate-plan',
    {
      config: { access: manage },
      schema: {
        ...admin,
        summary: 'Put an affiliate on a commission plan',
        params: IdParams,
        body: Type.Object({ planId: Uuid }, { additionalProperties: false }),
        response: { 200: PlanSchema },
      },
    },
    async (request) =>
      presentPlan(
        await assignPlan(db, staffActor(request), request.params.id, request.body.planId),
      ),
  );

  app.get(
    '/api/v1/admin/partners/:id/affiliate-dashboard',
    {
      config: { access: manage },
      schema: {
        ...admin,
        summary: "An affiliate's dashboard for a month, as the affiliate sees it",
        params: IdParams,
        querystring: Type.Object({ period: Period }),
        response: { 200: Dashboard },
      },
    },
    async (request) => affiliateDashboard(db, request.params.id, request.query.period),
  );

  app.post(
    '/api/v1/admin/affiliate-statements/compute',
    {
      config: { access: manage },
      schema: {
        ...admin,
        summary: "Compute a month's draft statements from the ledger (every affiliate, or one)",
        body: Type.Object(
          { period: Period, partnerId: Type.Optional(Uuid) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Statement) }) },
      },
    },
    async (request) => ({
      items: request.body.partnerId
        ? [
            await computeStatement(
              db,
              staffActor(request),
              request.body.partnerId,
              request.body.period,
            ),
          ]
        : await computeStatements(db, staffActor(request), request.body.period),
    }),
  );

  app.get(
    '/api/v1/admin/affiliate-statements',
    {
      config: { access: manage },
      schema: {
        ...admin,
        summary: 'Commission statements, newest month first',
        querystring: StatementsQuery,
        response: { 200: Type.Object({ items: Type.Array(Statement) }) },
      },
    },
    async (request) => ({ items: await listStatements(db, request.query) }),
  );

  app.post(
    '/api/v1/admin/affiliate-statements/:id/approve',
    {
      config: { access: manage },
      schema: {
        ...admin,
        summary: 'Approve a draft statement',
        params: IdParams,
        response: { 200: Statement },
      },
    },
    async (request) => approveStatement(db, staffActor(request), request.params.id),
  );

  app.post(
    '/api/v1/admin/affiliate-statements/:id/pay',
    {
      config: { access: manage },
      schema: {
        ...admin,
        summary: "Pay an approved statement into the affiliate's commission account (once)",
        params: IdParams,
        headers: IdempotencyHeaders,
        response: { 200: Statement },
      },
    },
    async (request, reply) =>
      sendOutcome(
        reply,
        await payStatement(db, staffActor(request), request.params.id, idempotencyKeyOf(request)),
        200,
      ),
  );
}
