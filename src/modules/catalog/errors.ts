import { DomainError } from '../../platform/errors.ts';

export const marketNotOpen = (marketId: string, status: string) =>
  new DomainError('market_not_open', 'conflict', `The market is ${status}; it takes no bets now.`, {
    marketId,
    marketStatus: status,
  });

export const marketSettled = (marketId: string) =>
  new DomainError(
    'market_settled',
    'conflict',
    'The market is settled; it cannot change any more.',
    { marketId },
  );

export const eventStarted = (eventId: string) =>
  new DomainError(
    'event_started',
    'conflict',
    'The event has started; pre-match betting is closed.',
    { eventId },
  );

export const eventClosed = (eventId: string, status: string) =>
  new DomainError('event_closed', 'conflict', `The event is ${status}.`, {
    eventId,
    eventStatus: status,
  });
