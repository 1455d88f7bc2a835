// The worker's safety net: settles open bets on markets that already have a result — after a
// crash between recording a result and finishing its batches, or for a bet whose placement
// committed just after the market's result did.
import type { Db } from '../../platform/db/db.ts';
import { marketsWithOpenBets, type SettledBet } from '../betting/index.ts';
import { resultedMarketIds } from '../catalog/index.ts';
import { settleOpenBets } from './settle-market.ts';

export async function sweepResultedMarkets(db: Db, lookbackHours = 72): Promise<SettledBet[]> {
  const since = new Date(Date.now() - lookbackHours * 3600_000);
  const resulted = await resultedMarketIds(db, since);
  if (resulted.length === 0) return [];
  const settled: SettledBet[] = [];
  for (const marketId of await marketsWithOpenBets(db, resulted)) {
    settled.push(...(await settleOpenBets(db, marketId)));
  }
  return settled;
}
