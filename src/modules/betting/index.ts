// Betting: placing bets and reading them; the settlement module settles them.
export { placeBet, priceAcceptable } from './place-bet.ts';
export {
  countBetsOnMarket,
  getBet,
  listBets,
  lockOpenBetsOnMarket,
  marketsWithOpenBets,
  markSettled,
  type OpenBet,
  type SettledBet,
} from './repo.ts';
export { bettingRoutes } from './routes.ts';
export type { BetStatus, BetView } from './views.ts';
