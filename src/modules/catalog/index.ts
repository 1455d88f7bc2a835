// Catalog: sports, competitions, events, markets, selections and prices.
export { eventClosed, eventStarted, marketNotOpen } from './errors.ts';
export {
  type BettableSelection,
  bettableSelections,
  getEvent,
  listEvents,
  listSports,
} from './read.ts';
export {
  getMarketResult,
  type MarketResult,
  recordResult,
  resultedMarketIds,
  type SelectionOutcome,
  selectionOutcomes,
} from './results.ts';
export { catalogRoutes } from './routes.ts';
export { EventPage, EventsQuery } from './schemas.ts';
export {
  createCompetition,
  createEvent,
  createMarket,
  createSport,
  type NewEvent,
  type NewMarket,
  setMarketStatus,
  setPrice,
} from './trading.ts';
export type { EventView, MarketView, SelectionView } from './views.ts';
