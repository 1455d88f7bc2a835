// Settlement: results in, every affected bet settled exactly once through the ledger; corrected
// results resettle through new transfers; staff void single bets.

export { settlementRoutes } from './routes.ts';
export { judge, legResult, settlementMoves, type Verdict } from './rules.ts';
export { reconcileBets, type SettledBet } from './settle-bets.ts';
export {
  type ResettleMarketInput,
  resettleMarket,
  type SettleMarketInput,
  type SettlementSummary,
  settleMarket,
} from './settle-market.ts';
export { sweepResultedMarkets } from './sweep.ts';
export { voidBet } from './void-bet.ts';
