// Wallet: the double-entry ledger, player balances, deposits and withdrawals.
export {
  type AccountRow,
  bonusAccount,
  bonusBalance,
  lockAccountsOf,
  lockPlayerAccounts,
  lockPlayerAccountsSql,
  openPlayerAccounts,
  type PlayerAccounts,
  systemAccount,
  toPlayerAccounts,
} from './accounts.ts';
export { insufficientFunds } from './errors.ts';
export { getWallet, getWallets, listTransactions } from './history.ts';
export { post, postingError, postingSql, type Transfer } from './ledger.ts';
export { checkLedger, type LedgerReport } from './ledger-check.ts';
export { type PaymentProvider, sandboxProvider } from './payment-provider.ts';
export { deposit, reconcilePayments, withdraw } from './payments.ts';
export { walletRoutes } from './routes.ts';
