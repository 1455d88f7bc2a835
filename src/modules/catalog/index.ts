// Catalog: sports, competitions, events, markets, selections and prices.
export { type BetSelection, type EachWayTerms, selectionsForBetting } from './bettable.ts';
export {
  type CatalogueCache,
  createCatalogueCache,
  startCatalogueCache,
} from './cache.ts';
export { eventClosed, eventStarted, marketNotOpen } from './errors.ts';
export {
  type EventHeader,
  type EventLinks,
  eventLinks,
  getEventHeader,
  getMarket,
  getSportBoard,
  type LiveClock,
  type LiveScore,
  marketEvents,
  type SportBoard,
  setEventLive,
  suspendOpenMarkets,
} from './live.ts';
export {
  checkMarketType,
  KNOWN_MARKET_TYPES,
  MARKET_TYPES,
  type Outcome,
  type Score,
} from './market-types.ts';
export {
  type BettableSelection,
  bettableSelections,
  getEvent,
  listEvents,
  listSports,
} from './read.ts';
export {
  correctResult,
  type Fraction,
  getMarketResult,
  type MarketResult,
  type OutcomeInput,
  type RecordedResult,
  type ResultInput,
  recordResult,
  resultedMarketIds,
  resultHistory,
  type SelectionOutcome,
  type SelectionResult,
  selectionOutcomes,
} from './results.ts';
export { catalogRoutes } from './routes.ts';
export { EventPage, EventsQuery } from './schemas.ts';
export {
  getMarketSettings,
  getSportSettings,
  type MarketSettings,
  type MarketSettingsPatch,
  type SportSettingsPatch,
  updateMarketSettings,
  updateSportSettings,
} from './settings.ts';
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
