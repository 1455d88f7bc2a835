// Player history: bets, transactions and sign-ins for at least 12 months with filters, net
// deposits, CSV downloads; and the compliance export of a player's complete activity.
export { complianceExport, historyCsv } from './export.ts';
export {
  historySummary,
  listHistoryBets,
  listHistorySessions,
  listHistoryTransactions,
} from './queries.ts';
export { type Range, rangeOf } from './range.ts';
export { historyRoutes, TransactionPage, TransactionQuery } from './routes.ts';
