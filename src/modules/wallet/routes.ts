import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { DomainError } from '../../platform/errors.ts';
import {
  IdempotencyHeaders,
  idempotencyKeyOf,
  PageQuery,
  sendOutcome,
} from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { requires } from '../identity/index.ts';
import { getWallet, listTransactions } from './history.ts';
import { checkLedger } from './ledger-check.ts';
import type { PaymentProvider } from './payment-provider.ts';
import { deposit, withdraw } from './payments.ts';
import { AmountBody, LedgerReport, Payment, TransactionPage, Wallet } from './schemas.ts';

export interface WalletRouteDeps {
  db: Db;
  config: Config;
  paymentProvider: PaymentProvider;
}

export function walletRoutes(app: HttpServer, deps: WalletRouteDeps): void {
  const { db } = deps;
  const payments = { db, provider: deps.paymentProvider, limits: deps.config.limits };

  app.get(
    '/api/v1/wallet',
    {
      config: { access: 'player' },
      schema: { tags: ['wallet'], summary: 'My balance', response: { 200: Wallet } },
    },
    async (request) => getWallet(db, request.principal!.accountId),
  );

  for (const [path, direction, command] of [
    ['/api/v1/wallet/deposits', 'deposit', deposit],
    ['/api/v1/wallet/withdrawals', 'withdrawal', withdraw],
  ] as const) {
    app.post(
      path,
      {
        // A withdrawal sends money out: an account with a second factor proves it again.
        config: { access: 'player', stepUp: direction === 'withdrawal' },
        schema: {
          tags: ['wallet'],
          summary:
            direction === 'deposit'
              ? 'Deposit through the payment provider'
              : 'Withdraw to the payment provider',
          headers: IdempotencyHeaders,
          body: AmountBody,
          response: { 201: Payment },
        },
      },
      async (request, reply) => {
        const ownerId = request.principal!.accountId;
        const outcome = await command(payments, {
          scope: ownerId,
          idempotencyKey: idempotencyKeyOf(request),
          input: { ownerId, amount: BigInt(request.body.amount) },
        }).catch((error: unknown) => {
          // Operators must see a PSP outage; the client only gets the 503 problem.
          if (error instanceof DomainError && error.code === 'payment_provider_unavailable')
            request.log.error({ err: error.cause, ...error.details }, 'payment provider failed');
          throw error;
        });
        return sendOutcome(reply, outcome, 201);
      },
    );
  }

  app.get(
    '/api/v1/wallet/transactions',
    {
      config: { access: 'player' },
      schema: {
        tags: ['wallet'],
        summary: 'My cash movements, newest first',
        querystring: PageQuery,
        response: { 200: TransactionPage },
      },
    },
    async (request) => listTransactions(db, request.principal!.accountId, request.query),
  );

  app.get(
    '/api/v1/admin/ledger/check',
    {
      config: { access: requires('ledger:read') },
      schema: {
        tags: ['admin'],
        summary: 'Ledger invariant: per-currency sums and balance drift',
        response: { 200: LedgerReport },
      },
    },
    async () => checkLedger(db),
  );
}
