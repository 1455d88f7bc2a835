// Trading settings of markets and sports: in-play and its bet delay, stake limits, liability
// caps, cash out, each-way terms and what a bet builder may combine. A market's own setting wins
// over its sport's; unset everywhere, the platform's limits apply (IBET_MIN_STAKE …).
import type { Queryable, Tx } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import { emit } from '../../platform/events/outbox.ts';
import type { EachWayTerms } from './bettable.ts';
import { MARKET_TYPES } from './market-types.ts';

export interface MarketSettings {
  marketId: string;
  inPlay: boolean;
  betDelaySeconds: number | null;
  minStake: string | null;
  maxStake: string | null;
  maxSelectionLiability: string | null;
  maxMarketLiability: string | null;
  cashOutEnabled: boolean;
  eachWay: { places: number; fraction: string } | null;
  builderEnabled: boolean;
  correlatedWith: string[];
}

export interface MarketSettingsPatch {
  inPlay?: boolean | undefined;
  betDelaySeconds?: number | null | undefined;
  minStake?: bigint | null | undefined;
  maxStake?: bigint | null | undefined;
  maxSelectionLiability?: bigint | null | undefined;
  maxMarketLiability?: bigint | null | undefined;
  cashOutEnabled?: boolean | undefined;
  eachWay?: EachWayTerms | null | undefined;
  builderEnabled?: boolean | undefined;
  correlatedWith?: string[] | undefined;
}

export interface SportSettings {
  sportId: string;
  inPlayDelaySeconds: number;
  minStake: string | null;
  maxStake: string | null;
  maxSelectionLiability: string | null;
  maxMarketLiability: string | null;
  builderMarginBps: number;
}

export interface SportSettingsPatch {
  inPlayDelaySeconds?: number | undefined;
  minStake?: bigint | null | undefined;
  maxStake?: bigint | null | undefined;
  maxSelectionLiability?: bigint | null | undefined;
  maxMarketLiability?: bigint | null | undefined;
  builderMarginBps?: number | undefined;
}

const invalidSettings = (message: string) =>
  new DomainError('invalid_settings', 'invalid', message);

const MARKET_COLUMNS: Record<keyof MarketSettingsPatch, string[]> = {
  inPlay: ['in_play'],
  betDelaySeconds: ['bet_delay_seconds'],
  minStake: ['min_stake'],
  maxStake: ['max_stake'],
  maxSelectionLiability: ['max_selection_liability'],
  maxMarketLiability: ['max_market_liability'],
  cashOutEnabled: ['cash_out_enabled'],
  eachWay: ['each_way_places', 'each_way_num', 'each_way_den'],
  builderEnabled: ['builder_enabled'],
  correlatedWith: ['correlated_with'],
};

const SPORT_COLUMNS: Record<keyof SportSettingsPatch, string> = {
  inPlayDelaySeconds: 'in_play_delay_seconds',
  minStake: 'min_stake',
  maxStake: 'max_stake',
  maxSelectionLiability: 'max_selection_liability',
  maxMarketLiability: 'max_market_liability',
  builderMarginBps: 'builder_margin_bps',
};

interface MarketSettingsRow {
  id: string;
  type: string;
  in_play: boolean;
  bet_delay_seconds: number | null;
  min_stake: bigint | null;
  max_stake: bigint | null;
  max_selection_liability: bigint | null;
  max_market_liability: bigint | null;
  cash_out_enabled: boolean;
  each_way_places: number | null;
  each_way_num: number | null;
  each_way_den: number | null;
  builder_enabled: boolean;
  correlated_with: string[];
}

const text = (v: bigint | null) => (v === null ? null : v.toString());

const presentMarketSettings = (r: MarketSettingsRow): MarketSettings => ({
  marketId: r.id,
  inPlay: r.in_play,
  betDelaySeconds: r.bet_delay_seconds,
  minStake: text(r.min_stake),
  maxStake: text(r.max_stake),
  maxSelectionLiability: text(r.max_selection_liability),
  maxMarketLiability: text(r.max_market_liability),
  cashOutEnabled: r.cash_out_enabled,
  eachWay:
    r.each_way_places !== null
      ? { places: r.each_way_places, fraction: `${r.each_way_num}/${r.each_way_den}` }
      : null,
  builderEnabled: r.builder_enabled,
  correlatedWith: r.correlated_with,
});

export async function getMarketSettings(q: Queryable, marketId: string): Promise<MarketSettings> {
  const [row] = await q.query<MarketSettingsRow>(
    `SELECT id, type, in_play, bet_delay_seconds, min_stake, max_stake, max_selection_liability,
            max_market_liability, cash_out_enabled, each_way_places, each_way_num, each_way_den,
            builder_enabled, correlated_with
     FROM catalog.markets WHERE id = $1`,
    [marketId],
  );
  if (!row) throw notFound('market');
  return presentMarketSettings(row);
}

/** Writes market settings in the caller's transaction (creating a market, or changing it). */
export async function applyMarketSettings(
  tx: Tx,
  marketId: string,
  type: string,
  patch: MarketSettingsPatch,
): Promise<void> {
  if (patch.eachWay && !MARKET_TYPES[type]?.eachWay && MARKET_TYPES[type])
    throw invalidSettings(`A ${type} market has no each-way terms.`);
  if (patch.eachWay && !(patch.eachWay.num >= 1 && patch.eachWay.num < patch.eachWay.den))
    throw invalidSettings('Each-way terms pay a fraction of the odds below 1, e.g. "1/4".');
  const columns: string[] = [];
  const values: unknown[] = [];
  for (const [key, names] of Object.entries(MARKET_COLUMNS) as [
    keyof MarketSettingsPatch,
    string[],
  ][]) {
    const value = patch[key];
    if (value === undefined) continue;
    if (key === 'eachWay') {
      const terms = value as EachWayTerms | null;
      columns.push(...names);
      values.push(terms?.places ?? null, terms?.num ?? null, terms?.den ?? null);
    } else {
      columns.push(names[0]!);
      values.push(value);
    }
  }
  if (columns.length === 0) return;
  const [row] = await tx.query<{ min_stake: bigint | null; max_stake: bigint | null }>(
    `UPDATE catalog.markets SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')}, updated_at = now()
     WHERE id = $1 RETURNING min_stake, max_stake`,
    [marketId, ...values],
  );
  if (row && row.min_stake !== null && row.max_stake !== null && row.min_stake > row.max_stake)
    throw invalidSettings('The minimum stake is above the maximum.');
}

/** Changes a market's trading settings and announces the market. */
export async function updateMarketSettings(
  tx: Tx,
  marketId: string,
  patch: MarketSettingsPatch,
): Promise<MarketSettings> {
  const [market] = await tx.query<{ type: string; status: string }>(
    'SELECT type, status FROM catalog.markets WHERE id = $1 FOR UPDATE',
    [marketId],
  );
  if (!market) throw notFound('market');
  await applyMarketSettings(tx, marketId, market.type, patch);
  const settings = await getMarketSettings(tx, marketId);
  await emit(tx, {
    type: 'market.settings_changed',
    aggregateId: marketId,
    payload: { settings },
  });
  return settings;
}

interface SportSettingsRow {
  id: string;
  in_play_delay_seconds: number;
  min_stake: bigint | null;
  max_stake: bigint | null;
  max_selection_liability: bigint | null;
  max_market_liability: bigint | null;
  builder_margin_bps: number;
}

export async function getSportSettings(q: Queryable, sportId: string): Promise<SportSettings> {
  const [row] = await q.query<SportSettingsRow>(
    `SELECT id, in_play_delay_seconds, min_stake, max_stake, max_selection_liability,
            max_market_liability, builder_margin_bps
     FROM catalog.sports WHERE id = $1`,
    [sportId],
  );
  if (!row) throw notFound('sport');
  return {
    sportId: row.id,
    inPlayDelaySeconds: row.in_play_delay_seconds,
    minStake: text(row.min_stake),
    maxStake: text(row.max_stake),
    maxSelectionLiability: text(row.max_selection_liability),
    maxMarketLiability: text(row.max_market_liability),
    builderMarginBps: row.builder_margin_bps,
  };
}

export async function updateSportSettings(
  tx: Tx,
  sportId: string,
  patch: SportSettingsPatch,
): Promise<SportSettings> {
  const entries = (Object.entries(SPORT_COLUMNS) as [keyof SportSettingsPatch, string][]).filter(
    ([key]) => patch[key] !== undefined,
  );
  const exists = await tx.query('SELECT 1 FROM catalog.sports WHERE id = $1 FOR UPDATE', [sportId]);
  if (exists.length === 0) throw notFound('sport');
  if (entries.length > 0) {
    await tx.query(
      `UPDATE catalog.sports SET ${entries.map(([, c], i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`,
      [sportId, ...entries.map(([key]) => patch[key])],
    );
  }
  const settings = await getSportSettings(tx, sportId);
  if (
    settings.minStake !== null &&
    settings.maxStake !== null &&
    BigInt(settings.minStake) > BigInt(settings.maxStake)
  )
    throw invalidSettings('The minimum stake is above the maximum.');
  return settings;
}
