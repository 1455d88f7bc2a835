// Trader tools for one market: its margin (overround) from the prices, re-pricing every
// selection to a target margin at once, and the market's settings — in play and its bet delay,
// stake limits, liability caps, cash out, each-way terms and bet builders.
import { type FormEvent, useState } from 'react';
import type { Result } from '../../api/operations.ts';
import type { Market } from '../../api/types.ts';
import { parseMajorToMinor, priceToThousandths } from '../../lib/money.ts';
import { useAuth } from '../../ui/auth.tsx';
import { CheckboxField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';

type Settings = Result<'GET /api/v1/admin/markets/{id}/settings'>;

/** The overround of decimal prices: Σ 1/price − 1 (0.05 = 5 %); null if a price is unreadable. */
export function marginOf(prices: readonly string[]): number | null {
  let sum = 0;
  for (const p of prices) {
    const t = priceToThousandths(p);
    if (t === null) return null;
    sum += 1000 / Number(t);
  }
  return sum - 1;
}

/**
 * Prices scaled to a target margin, keeping the implied probabilities' proportions: each
 * 1/price is multiplied by (1 + target) / (1 + current). Rounded to three decimals, at least 1.001.
 */
export function repriceToMargin(prices: readonly string[], target: number): string[] | null {
  const current = marginOf(prices);
  if (current === null) return null;
  const factor = (1 + target) / (1 + current);
  return prices.map((p) => {
    const t = Number(priceToThousandths(p));
    const next = Math.max(1001, Math.round(t / factor));
    return (next / 1000).toFixed(3).replace(/0+$/, '').replace(/\.$/, '.0');
  });
}

export function MarginTool({ market, onSaved }: { market: Market; onSaved: (m: Market) => void }) {
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [target, setTarget] = useState('');
  const margin = marginOf(market.selections.map((s) => s.price));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const percent = Number(target.replace(',', '.'));
    if (!Number.isFinite(percent) || percent < -50 || percent > 100) {
      notify('Enter the margin as a percentage, e.g. 5.5.', 'error');
      return;
    }
    const prices = repriceToMargin(
      market.selections.map((s) => s.price),
      percent / 100,
    );
    if (!prices) return;
    void run(async () => {
      try {
        let updated: Market | undefined;
        for (const [i, s] of market.selections.entries()) {
          const price = prices[i];
          if (!price || price === s.price) continue;
          updated = await client.call('PATCH /api/v1/admin/selections/{id}', {
            path: { id: s.id },
            body: { price },
          });
        }
        notify(`${market.name}: re-priced to a ${percent} % margin.`, 'success');
        setTarget('');
        if (updated) onSaved(updated);
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <form className="margin-tool" onSubmit={submit}>
      <p>
        Margin{' '}
        <strong data-testid="market-margin">
          {margin === null ? '–' : `${(margin * 100).toFixed(2)} %`}
        </strong>
      </p>
      <TextField
        label="Re-price to margin (%)"
        inputMode="decimal"
        value={target}
        onChange={(e) => setTarget(e.target.value)}
        className="inline"
      />
      <SubmitButton busy={busy} busyLabel="Re-pricing…" disabled={target.trim() === ''}>
        Apply
      </SubmitButton>
    </form>
  );
}

const minorOrNull = (text: string): string | null | undefined => {
  if (text.trim() === '') return null;
  return parseMajorToMinor(text, 2) ?? undefined;
};
const major = (minor: string | null) => (minor === null ? '' : (Number(minor) / 100).toFixed(2));

export function MarketSettingsPanel({ market }: { market: Market }) {
  const { client } = useAuth();
  const [opened, setOpened] = useState(false);
  const settings = useLoader(
    (signal) =>
      client.call('GET /api/v1/admin/markets/{id}/settings', { path: { id: market.id }, signal }),
    [client, market.id],
    { enabled: opened },
  );
  return (
    <details className="panel" onToggle={(e) => setOpened((e.target as HTMLDetailsElement).open)}>
      <summary>Settings: in play, limits, cash out, each-way, bet builder</summary>
      {settings.data ? (
        <SettingsForm market={market} settings={settings.data} onSaved={settings.setData} />
      ) : (
        <p className="muted">{settings.loading ? 'Loading…' : 'The settings could not be read.'}</p>
      )}
    </details>
  );
}

function SettingsForm({
  market,
  settings,
  onSaved,
}: {
  market: Market;
  settings: Settings;
  onSaved: (s: Settings) => void;
}) {
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [inPlay, setInPlay] = useState(settings.inPlay);
  const [delay, setDelay] = useState(
    settings.betDelaySeconds === null ? '' : String(settings.betDelaySeconds),
  );
  const [minStake, setMinStake] = useState(major(settings.minStake));
  const [maxStake, setMaxStake] = useState(major(settings.maxStake));
  const [selectionCap, setSelectionCap] = useState(major(settings.maxSelectionLiability));
  const [marketCap, setMarketCap] = useState(major(settings.maxMarketLiability));
  const [cashOut, setCashOut] = useState(settings.cashOutEnabled);
  const [builder, setBuilder] = useState(settings.builderEnabled);
  const [places, setPlaces] = useState(settings.eachWay ? String(settings.eachWay.places) : '');
  const [fraction, setFraction] = useState(settings.eachWay?.fraction ?? '');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const amounts = [minStake, maxStake, selectionCap, marketCap].map(minorOrNull);
    if (amounts.some((a) => a === undefined)) {
      notify('Amounts are like 250.00, or empty for the default.', 'error');
      return;
    }
    const delaySeconds = delay.trim() === '' ? null : Number(delay);
    if (
      delaySeconds !== null &&
      !(Number.isInteger(delaySeconds) && delaySeconds >= 0 && delaySeconds <= 60)
    ) {
      notify('The bet delay is 0 to 60 seconds, or empty for the sport’s.', 'error');
      return;
    }
    const eachWay =
      places.trim() === '' ? null : { places: Number(places), fraction: fraction.trim() || '1/4' };
    const body = {
      inPlay,
      betDelaySeconds: delaySeconds,
      minStake: amounts[0] ?? null,
      maxStake: amounts[1] ?? null,
      maxSelectionLiability: amounts[2] ?? null,
      maxMarketLiability: amounts[3] ?? null,
      cashOut,
      builder,
      ...(settings.eachWay !== null || eachWay !== null ? { eachWay } : {}),
    };
    void run(async () => {
      try {
        const saved = await client.call('PATCH /api/v1/admin/markets/{id}/settings', {
          path: { id: market.id },
          body,
        });
        onSaved(saved);
        notify(`${market.name}: settings saved.`, 'success');
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <form className="stack settings-form" onSubmit={submit}>
      <div className="two-columns">
        <CheckboxField
          label="Offered in play"
          checked={inPlay}
          onChange={(e) => setInPlay(e.target.checked)}
        />
        <TextField
          label="In-play bet delay (s; empty: the sport's)"
          inputMode="numeric"
          value={delay}
          onChange={(e) => setDelay(e.target.value)}
        />
        <TextField
          label="Minimum stake"
          inputMode="decimal"
          value={minStake}
          onChange={(e) => setMinStake(e.target.value)}
        />
        <TextField
          label="Maximum stake"
          inputMode="decimal"
          value={maxStake}
          onChange={(e) => setMaxStake(e.target.value)}
        />
        <TextField
          label="Liability cap per selection"
          inputMode="decimal"
          value={selectionCap}
          onChange={(e) => setSelectionCap(e.target.value)}
        />
        <TextField
          label="Liability cap of the market"
          inputMode="decimal"
          value={marketCap}
          onChange={(e) => setMarketCap(e.target.value)}
        />
        <CheckboxField
          label="Cash out offered"
          checked={cashOut}
          onChange={(e) => setCashOut(e.target.checked)}
        />
        <CheckboxField
          label="In bet builders"
          checked={builder}
          onChange={(e) => setBuilder(e.target.checked)}
        />
        <TextField
          label="Each-way places (empty: none)"
          inputMode="numeric"
          value={places}
          onChange={(e) => setPlaces(e.target.value)}
        />
        <TextField
          label="Each-way fraction of the odds"
          placeholder="1/4"
          value={fraction}
          onChange={(e) => setFraction(e.target.value)}
        />
      </div>
      <SubmitButton busy={busy} busyLabel="Saving…">
        Save settings
      </SubmitButton>
    </form>
  );
}
