// Settlement: results in, every affected bet settled exactly once through the ledger.

export { settlementRoutes } from './routes.ts';
export { judge, settlementMoves, type Verdict } from './rules.ts';
export {
  DEFAULT_BATCH,
  type SettlementSummary,
  settleMarket,
  settleOpenBets,
} from './settle-market.ts';
export { sweepResultedMarkets } from './sweep.ts';
