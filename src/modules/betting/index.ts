// Betting: bet types, quotes, placement (with limits, liability and the in-play delay), cash
// out and reading bets; the settlement module settles them.
export {
  type CashOutQuote,
  cashOut,
  cashOutWorth,
  payCashOut,
  quoteCashOut,
  runAutoCashOuts,
  setAutoCashOut,
} from './cash-out.ts';
export { betNotFound, betNotVoidable } from './errors.ts';
export { adjustLiability, exposureOf, LIABILITY_SHARDS, shardOf } from './liability.ts';
export {
  confirmPendingBets,
  rejectPendingOnMarket,
  suspensionRejectsPendingBets,
} from './pending.ts';
export { placeBet, priceAcceptable } from './place-bet.ts';
export {
  type BetShape,
  exactReturn,
  floorOf,
  type LegResult,
  ONE,
  type PlaceTerms,
  placeFactor,
  placePartFactor,
  priceFactor,
  type Ratio,
  times,
  winPartFactor,
} from './pricing.ts';
export { type QuoteView, quoteBetSlip } from './quote.ts';
export {
  applyBetChanges,
  type BetChange,
  type BetForMoney,
  countBetsOnMarket,
  getAnyBet,
  getBet,
  listBets,
  lockBets,
  lockBetsOnMarket,
  marketsWithOpenBets,
  markVoidedByStaff,
  readBets,
  settlementHistory,
} from './repo.ts';
export { getPlayerRisk, setPlayerRisk } from './risk.ts';
export { bettingRoutes } from './routes.ts';
export { Bet as BetSchema } from './schemas.ts';
export { choose, lineCount, NAMED_SYSTEMS, systemSizes } from './systems.ts';
export type { BetStatus, BetView } from './views.ts';
export {
  BETTING_POLL_MS,
  type BettingWorker,
  pruneCashOutQuotes,
  runBettingJobs,
  startBettingWorker,
} from './worker.ts';
