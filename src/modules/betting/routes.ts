import type { Static } from 'typebox';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import {
  IdempotencyHeaders,
  IdParams,
  idempotencyKeyOf,
  sendOutcome,
} from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import type { Metrics } from '../../platform/observability/metrics.ts';
import { type OddsFormat, parseAnyPrice, renderDecimal } from '../../platform/odds.ts';
import { audit } from '../audit/index.ts';
import { findAccount, requires } from '../identity/index.ts';
import { cashOut, quoteCashOut, setAutoCashOut } from './cash-out.ts';
import { invalidPrice } from './errors.ts';
import { MAX_PRICE, MIN_PRICE, placeBet } from './place-bet.ts';
import { type QuoteView, quoteBetSlip } from './quote.ts';
import { getBet, listBets } from './repo.ts';
import { getPlayerRisk, parseFactor, setPlayerRisk } from './risk.ts';
import {
  AutoCashOutBody,
  Bet,
  BetPage,
  BetsQuery,
  CashOutBody,
  CashOutQuote,
  CashOutQuoteBody,
  OddsQuery,
  PlaceBetBody,
  PlayerRisk,
  PlayerRiskBody,
  Quote,
  QuoteBody,
} from './schemas.ts';
import type { BetView } from './views.ts';

/** A requested price in any format → thousandths, or 422 invalid_price. */
function requested(text: string): number {
  const price = parseAnyPrice(text);
  if (price === undefined || price < MIN_PRICE || price > MAX_PRICE) throw invalidPrice(text);
  return price;
}

export function renderBet(bet: BetView, format: OddsFormat | undefined): BetView {
  if (!format || format === 'decimal') return bet;
  return {
    ...bet,
    price: bet.price === null ? null : renderDecimal(bet.price, format),
    legs: bet.legs.map((l) => ({
      ...l,
      price: renderDecimal(l.price, format),
      requestedPrice: renderDecimal(l.requestedPrice, format),
    })),
  };
}

function renderQuote(quote: QuoteView, format: OddsFormat | undefined): QuoteView {
  if (!format || format === 'decimal') return quote;
  return {
    ...quote,
    price: quote.price === null ? null : renderDecimal(quote.price, format),
    legs: quote.legs.map((l) => ({
      ...l,
      price: renderDecimal(l.price, format),
      requestedPrice: renderDecimal(l.requestedPrice, format),
    })),
  };
}

const slipOf = (body: Static<typeof PlaceBetBody>) => ({
  kind: body.kind,
  system: body.system,
  eachWay: body.eachWay,
  legs: body.legs.map((l) => ({ selectionId: l.selectionId, price: requested(l.price) })),
  acceptPriceChanges: body.acceptPriceChanges ?? ('none' as const),
  freeBetId: body.freeBetId,
  useBonus: body.useBonus,
  boostId: body.boostId,
});

export function bettingRoutes(
  app: HttpServer,
  deps: { db: Db; config: Config; metrics: Metrics },
): void {
  const { db } = deps;
  const cashOutDeps = {
    db,
    marginBps: deps.config.sportsbook.cashOutMarginBps,
    quoteSeconds: deps.config.sportsbook.cashOutQuoteSeconds,
  };

  app.post(
    '/api/v1/bets',
    {
      config: { access: 'player' },
      schema: {
        tags: ['betting'],
        summary: 'Place a bet (single, multiple, system, bet builder; each-way)',
        headers: IdempotencyHeaders,
        querystring: OddsQuery,
        body: PlaceBetBody,
        response: { 201: Bet },
      },
    },
    async (request, reply) => {
      const playerId = request.principal!.accountId;
      const slip = slipOf(request.body);
      const outcome = await placeBet(
        { db, limits: deps.config.limits },
        {
          scope: playerId,
          idempotencyKey: idempotencyKeyOf(request),
          input: {
            playerId,
            stake: BigInt(request.body.stake),
            ...slip,
          },
        },
      );
      if (!outcome.idempotencyHit)
        deps.metrics.betsPlaced.inc({ currency: outcome.result.currency });
      return sendOutcome(
        reply,
        { ...outcome, result: renderBet(outcome.result, request.query.oddsFormat) },
        201,
      );
    },
  );

  app.post(
    '/api/v1/betslip/quote',
    {
      config: { access: 'player' },
      schema: {
        tags: ['betting'],
        summary: 'Quote a bet slip: lines, total stake, prices, payout, stake range and refusals',
        querystring: OddsQuery,
        body: QuoteBody,
        response: { 200: Quote },
      },
    },
    async (request) => {
      const quote = await quoteBetSlip(
        { db, limits: deps.config.limits },
        request.principal!.accountId,
        { ...slipOf(request.body), stakePerLine: BigInt(request.body.stake) },
      );
      return renderQuote(quote, request.query.oddsFormat);
    },
  );

  app.get(
    '/api/v1/bets',
    {
      config: { access: 'player' },
      schema: {
        tags: ['betting'],
        summary: 'My bets, newest first',
        querystring: BetsQuery,
        response: { 200: BetPage },
      },
    },
    async (request) => {
      const page = await listBets(db, request.principal!.accountId, request.query);
      return { ...page, items: page.items.map((b) => renderBet(b, request.query.oddsFormat)) };
    },
  );

  app.get(
    '/api/v1/bets/:id',
    {
      config: { access: 'player' },
      schema: {
        tags: ['betting'],
        summary: 'One of my bets',
        params: IdParams,
        querystring: OddsQuery,
        response: { 200: Bet },
      },
    },
    async (request) =>
      renderBet(
        await getBet(db, request.principal!.accountId, request.params.id),
        request.query.oddsFormat,
      ),
  );

  app.post(
    '/api/v1/bets/:id/cash-out/quote',
    {
      config: { access: 'player' },
      schema: {
        tags: ['betting'],
        summary: 'Quote a cash out of my bet (all of its open stake, or part of it)',
        params: IdParams,
        body: CashOutQuoteBody,
        response: { 200: CashOutQuote },
      },
    },
    async (request) =>
      quoteCashOut(
        cashOutDeps,
        request.principal!.accountId,
        request.params.id,
        request.body.stake === undefined ? undefined : BigInt(request.body.stake),
      ),
  );

  app.post(
    '/api/v1/bets/:id/cash-out',
    {
      config: { access: 'player' },
      schema: {
        tags: ['betting'],
        summary: 'Cash out my bet at a quoted value',
        params: IdParams,
        headers: IdempotencyHeaders,
        querystring: OddsQuery,
        body: CashOutBody,
        response: { 200: Bet },
      },
    },
    async (request, reply) => {
      const playerId = request.principal!.accountId;
      const outcome = await cashOut(cashOutDeps, {
        scope: playerId,
        idempotencyKey: idempotencyKeyOf(request),
        input: {
          playerId,
          betId: request.params.id,
          quoteId: request.body.quoteId,
          acceptValueChanges: request.body.acceptValueChanges ?? 'none',
        },
      });
      return sendOutcome(
        reply,
        { ...outcome, result: renderBet(outcome.result, request.query.oddsFormat) },
        200,
      );
    },
  );

  app.put(
    '/api/v1/bets/:id/auto-cash-out',
    {
      config: { access: 'player' },
      schema: {
        tags: ['betting'],
        summary: 'Cash my bet out automatically once its cash-out value reaches a value',
        params: IdParams,
        body: AutoCashOutBody,
        response: { 200: Bet },
      },
    },
    async (request) =>
      setAutoCashOut(
        db,
        request.principal!.accountId,
        request.params.id,
        request.body.value === null ? null : BigInt(request.body.value),
      ),
  );

  app.get(
    '/api/v1/admin/players/:id/betting-limits',
    {
      config: { access: requires('players:read') },
      schema: {
        tags: ['risk'],
        summary: "A player's stake factor and cash-out block",
        params: IdParams,
        response: { 200: PlayerRisk },
      },
    },
    async (request) => {
      const account = await findAccount(db, request.params.id);
      if (account?.kind !== 'player') throw notFound('account');
      return getPlayerRisk(db, request.params.id);
    },
  );

  app.put(
    '/api/v1/admin/players/:id/betting-limits',
    {
      config: { access: requires('players:limits') },
      schema: {
        tags: ['risk'],
        summary: "Set a player's stake factor and cash-out block",
        params: IdParams,
        body: PlayerRiskBody,
        response: { 200: PlayerRisk },
      },
    },
    async (request) => {
      const body = request.body;
      const staffId = request.principal!.accountId;
      const factor = body.stakeFactor === undefined ? undefined : parseFactor(body.stakeFactor);
      if (factor !== undefined && factor > 1_000_000)
        throw new DomainError('invalid_settings', 'invalid', 'A stake factor is at most 100.');
      return db.transaction(async (tx) => {
        const account = await findAccount(tx, request.params.id);
        if (account?.kind !== 'player') throw notFound('account');
        const view = await setPlayerRisk(
          tx,
          request.params.id,
          {
            stakeFactorBps: factor,
            cashOutBlocked: body.cashOutBlocked,
            note: body.note,
          },
          staffId,
        );
        await audit(tx, {
          actor: { id: staffId, kind: 'staff' },
          action: 'player.betting_limits_changed',
          target: { type: 'account', id: request.params.id },
          details: { ...body },
          context: { ip: request.ip, requestId: request.id },
        });
        return view;
      });
    },
  );
}
