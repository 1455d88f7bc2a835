// Placing the slip: one bet for a multiple, one bet per staked leg for singles. Each bet
// keeps its idempotency key until the server answers for sure, so pressing "Place" again
// after a lost answer retries the same bet instead of placing a second one.
import { type ApiClient, ApiError, isOutcomeUnknown } from '../../api/client.ts';
import type { Bet } from '../../api/types.ts';
import { withIdempotencyKey } from '../../lib/keys.ts';
import { parseAnyPrice } from '../../lib/odds.ts';
import type { BetRequest } from './stakes.ts';

export interface Placement {
  placed: { request: BetRequest; bet: Bet }[];
  failed: { request: BetRequest; error: unknown }[];
  /** Current prices the server answered with (odds_changed), to put on the slip. */
  changed: { selectionId: string; price: string }[];
}

function currentPrices(error: unknown): { selectionId: string; price: string }[] {
  if (!(error instanceof ApiError) || error.code !== 'odds_changed') return [];
  const legs = Array.isArray(error.problem.legs) ? error.problem.legs : [];
  return legs.flatMap((leg: unknown) => {
    const l = leg as { selectionId?: unknown; current?: unknown };
    return typeof l.selectionId === 'string' &&
      typeof l.current === 'string' &&
      parseAnyPrice(l.current) !== null
      ? [{ selectionId: l.selectionId, price: l.current }]
      : [];
  });
}

/** Sends the bets one after another; each is placed at most once, whatever the network does. */
export async function placeBets(client: ApiClient, requests: BetRequest[]): Promise<Placement> {
  const result: Placement = { placed: [], failed: [], changed: [] };
  for (const request of requests) {
    const purpose = `bet:${request.selectionIds.join(',')}`;
    try {
      const bet = await withIdempotencyKey(
        purpose,
        request.body,
        (idempotencyKey) =>
          client.call('POST /api/v1/bets', {
            body: request.body,
            idempotencyKey,
            query: { oddsFormat: request.oddsFormat },
          }),
        isOutcomeUnknown,
      );
      result.placed.push({ request, bet });
    } catch (error) {
      result.failed.push({ request, error });
      result.changed.push(...currentPrices(error));
    }
  }
  return result;
}
