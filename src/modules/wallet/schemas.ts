import { Type } from 'typebox';
import {
  Amount,
  Balance,
  pageOf,
  SignedAmount,
  Timestamp,
  Uuid,
} from '../../platform/http/schemas.ts';

export const Wallet = Type.Object({
  currency: Type.String(),
  balance: Balance,
  inBets: Balance,
});

export const AmountBody = Type.Object({ amount: Amount }, { additionalProperties: false });

export const Payment = Type.Object({
  id: Uuid,
  direction: Type.Union([Type.Literal('deposit'), Type.Literal('withdrawal')]),
  amount: Amount,
  currency: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('completed'), Type.Literal('failed')]),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  balance: SignedAmount,
  createdAt: Timestamp,
});

export const Transaction = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  amount: SignedAmount,
  currency: Type.String(),
  reference: Type.String(),
  createdAt: Timestamp,
});

export const TransactionPage = pageOf(Transaction);

export const LedgerReport = Type.Object({
  ok: Type.Boolean(),
  currencies: Type.Array(
    Type.Object({
      currency: Type.String(),
      sum: SignedAmount,
      accounts: Type.Integer(),
      transfers: Type.Integer(),
    }),
  ),
  drift: Type.Array(
    Type.Object({
      accountId: Type.String(),
      ownerId: Type.String(),
      kind: Type.String(),
      balance: SignedAmount,
      expected: SignedAmount,
    }),
  ),
  negative: Type.Array(Type.Object({ accountId: Type.String(), balance: SignedAmount })),
});
