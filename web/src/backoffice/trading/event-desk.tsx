// One event at the trading desk: every market with its prices (edit, or all at once to a
// margin), its settings, its state (suspend, open), its result (winners or void, which settles
// its bets: the summary shows how many won, lost and were voided) and a corrected result
// (resettle, with a reason), the event's liability, and a form for another market.
import { type FormEvent, useState } from 'react';
import { isOutcomeUnknown } from '../../api/client.ts';
import type { Event, Market, SettlementSummary } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { withIdempotencyKey } from '../../lib/keys.ts';
import { priceToThousandths } from '../../lib/money.ts';
import { useAuth } from '../../ui/auth.tsx';
import { Dialog } from '../../ui/dialog.tsx';
import { SubmitButton } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { can } from '../permissions.ts';
import { LiabilityView } from '../risk/liability.tsx';
import { emptyMarket, type MarketDraft, MarketFields } from './market-form.tsx';
import { MarginTool, MarketSettingsPanel } from './market-tools.tsx';
import { marketBody } from './templates.ts';

function PriceEditor({
  selectionId,
  name,
  price,
  editable,
  onSaved,
}: {
  selectionId: string;
  name: string;
  price: string;
  editable: boolean;
  onSaved: (market: Market) => void;
}) {
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [value, setValue] = useState(price);
  const [editing, setEditing] = useState(false);
  if (!editable) return <span className="odds">{price}</span>;
  const shown = editing ? value : price;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (priceToThousandths(value) === null) {
      notify('A price is decimal odds with at most three decimals, e.g. 2.375.', 'error');
      return;
    }
    void run(async () => {
      try {
        const market = await client.call('PATCH /api/v1/admin/selections/{id}', {
          path: { id: selectionId },
          body: { price: value.trim() },
        });
        setEditing(false);
        notify(`${name}: price ${value.trim()}.`, 'success');
        onSaved(market);
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <form className="price-editor" onSubmit={submit}>
      <input
        aria-label={`Price of ${name}`}
        value={shown}
        inputMode="decimal"
        onChange={(e) => {
          setEditing(true);
          setValue(e.target.value);
        }}
        onFocus={() => {
          if (!editing) setValue(price);
        }}
      />
      <button
        type="submit"
        className="secondary small"
        disabled={busy || !editing || value === price}
      >
        Save
      </button>
    </form>
  );
}

function ResultDialog({
  market,
  open,
  onClose,
  onSettled,
  resettle = false,
}: {
  market: Market;
  open: boolean;
  onClose: () => void;
  onSettled: (summary: SettlementSummary) => void;
  /** Correct a recorded result: every bet is settled again, with a reason. */
  resettle?: boolean;
}) {
  const { client } = useAuth();
  const report = useReport();
  const [busy, run] = useBusy();
  const [winners, setWinners] = useState<string[]>([]);
  const [voided, setVoided] = useState(false);
  const [reason, setReason] = useState('');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const result = voided ? { void: true } : { winners };
    void run(async () => {
      try {
        // A result settles bets: a retry after a lost answer must reuse the key.
        const summary = resettle
          ? await withIdempotencyKey(
              `resettle:${market.id}`,
              { ...result, reason: reason.trim() },
              (idempotencyKey) =>
                client.call('POST /api/v1/admin/markets/{id}/resettle', {
                  path: { id: market.id },
                  body: { ...result, reason: reason.trim() },
                  idempotencyKey,
                }),
              isOutcomeUnknown,
            )
          : await withIdempotencyKey(
              `result:${market.id}`,
              result,
              (idempotencyKey) =>
                client.call('POST /api/v1/admin/markets/{id}/result', {
                  path: { id: market.id },
                  body: result,
                  idempotencyKey,
                }),
              isOutcomeUnknown,
            );
        onSettled(summary);
        onClose();
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <Dialog
      open={open}
      title={`${resettle ? 'Correct the result' : 'Result'}: ${market.name}`}
      onClose={onClose}
    >
      <form className="stack" onSubmit={submit}>
        <fieldset disabled={voided}>
          <legend>Winning selections</legend>
          {market.selections.map((s) => (
            <div className="check" key={s.id}>
              <input
                id={`winner-${s.id}`}
                type="checkbox"
                checked={winners.includes(s.id)}
                onChange={(e) =>
                  setWinners(
                    e.target.checked ? [...winners, s.id] : winners.filter((w) => w !== s.id),
                  )
                }
              />
              <label htmlFor={`winner-${s.id}`}>{s.name}</label>
            </div>
          ))}
        </fieldset>
        <div className="check">
          <input
            id={`void-${market.id}`}
            type="checkbox"
            checked={voided}
            onChange={(e) => setVoided(e.target.checked)}
          />
          <label htmlFor={`void-${market.id}`}>Void the market (every stake is returned)</label>
        </div>
        {resettle ? (
          <div className="field">
            <label htmlFor={`reason-${market.id}`}>
              Why the result changes (kept in the audit log)
            </label>
            <input
              id={`reason-${market.id}`}
              required
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
        ) : null}
        <p className="hint">
          {resettle
            ? 'Every bet on this market is settled again: winnings paid before are taken back where the corrected result says so, and paid where it now wins.'
            : 'Recording the result settles every open bet on this market at once. A wrong result can be corrected afterwards (resettle).'}
        </p>
        <div className="actions">
          <SubmitButton
            busy={busy}
            busyLabel="Settling…"
            disabled={(!voided && winners.length === 0) || (resettle && reason.trim() === '')}
          >
            {resettle ? 'Correct and settle again' : 'Record result and settle'}
          </SubmitButton>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function MarketDesk({
  event,
  market,
  summary,
  onMarket,
  onSettled,
}: {
  event: Event;
  market: Market;
  summary: SettlementSummary | undefined;
  onMarket: (market: Market) => void;
  onSettled: (summary: SettlementSummary) => void;
}) {
  const { client, me } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [resulting, setResulting] = useState(false);
  const [resettling, setResettling] = useState(false);
  const pricer = can(me, 'markets:price');
  const settler = can(me, 'markets:settle');
  const live = market.status === 'open' || market.status === 'suspended';

  const setState = (action: 'suspend' | 'open') =>
    run(async () => {
      try {
        const updated =
          action === 'suspend'
            ? await client.call('POST /api/v1/admin/markets/{id}/suspend', {
                path: { id: market.id },
              })
            : await client.call('POST /api/v1/admin/markets/{id}/open', {
                path: { id: market.id },
              });
        notify(`${market.name}: ${updated.status}.`, 'success');
        onMarket(updated);
      } catch (error) {
        report(error);
      }
    });

  const headingId = `desk-market-${market.id}`;
  return (
    <section
      className="panel stack market-desk"
      aria-labelledby={headingId}
      data-market-id={market.id}
    >
      <div className="market-desk-head">
        <h2 id={headingId}>
          {market.name}
          {market.line ? <span className="muted"> ({market.line})</span> : null}
        </h2>
        <span className={`badge status-${market.status}`}>{market.status}</span>
        <span className="muted small">{market.type}</span>
      </div>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Selection</th>
            <th scope="col">Outcome</th>
            <th scope="col">Price</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {market.selections.map((s) => (
            <tr key={s.id}>
              <td>{s.name}</td>
              <td className="muted">{s.outcome ?? '–'}</td>
              <td>
                <PriceEditor
                  key={`${s.id}-${s.price}`}
                  selectionId={s.id}
                  name={s.name}
                  price={s.price}
                  editable={pricer && live}
                  onSaved={onMarket}
                />
              </td>
              <td>
                {s.result ? <span className={`badge result-${s.result}`}>{s.result}</span> : '–'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {summary ? (
        <p className="callout callout-ok" role="status" data-testid="settlement-summary">
          Settled{summary.result.void ? ' as void' : ''}: {summary.bets.won} won,{' '}
          {summary.bets.lost} lost, {summary.bets.void} void
          {summary.bets.open > 0 ? `, ${summary.bets.open} still open (multiples waiting)` : ''}.
        </p>
      ) : null}
      <div className="actions">
        {pricer && market.status === 'open' ? (
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => setState('suspend')}
          >
            Suspend
          </button>
        ) : null}
        {pricer && market.status === 'suspended' ? (
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => setState('open')}
          >
            Open
          </button>
        ) : null}
        {settler && live ? (
          <button type="button" onClick={() => setResulting(true)}>
            Enter result
          </button>
        ) : null}
        {settler && market.status === 'settled' ? (
          <button type="button" className="secondary" onClick={() => setResettling(true)}>
            Correct result (resettle)
          </button>
        ) : null}
      </div>
      {pricer && live ? <MarginTool market={market} onSaved={onMarket} /> : null}
      {pricer ? <MarketSettingsPanel market={market} /> : null}
      {settler ? (
        <ResultDialog
          market={market}
          open={resulting}
          onClose={() => setResulting(false)}
          onSettled={(s) => {
            onSettled(s);
            notify(
              `${market.name} settled: ${s.bets.won} won, ${s.bets.lost} lost, ${s.bets.void} void.`,
              'success',
            );
          }}
        />
      ) : null}
      {settler && market.status === 'settled' ? (
        <ResultDialog
          market={market}
          open={resettling}
          resettle
          onClose={() => setResettling(false)}
          onSettled={(s) => {
            onSettled(s);
            notify(`${market.name} settled again.`, 'success');
          }}
        />
      ) : null}
      <p className="muted small">
        {event.name} · market id <code>{market.id}</code>
      </p>
    </section>
  );
}

function AddMarket({ event, onAdded }: { event: Event; onAdded: (market: Market) => void }) {
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [draft, setDraft] = useState<MarketDraft>(() =>
    emptyMarket('over_under', event.home ?? '', event.away ?? ''),
  );
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    void run(async () => {
      try {
        const market = await client.call('POST /api/v1/admin/events/{id}/markets', {
          path: { id: event.id },
          body: marketBody(draft.type, draft.name, draft.line, draft.selections),
        });
        notify(`Market "${market.name}" added.`, 'success');
        setDraft(emptyMarket(draft.type, event.home ?? '', event.away ?? ''));
        onAdded(market);
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <details className="panel">
      <summary>Add a market</summary>
      <form className="stack" onSubmit={submit}>
        <MarketFields
          idPrefix="add-market"
          draft={draft}
          onChange={setDraft}
          home={event.home ?? ''}
          away={event.away ?? ''}
        />
        <SubmitButton busy={busy} busyLabel="Adding…">
          Add market
        </SubmitButton>
      </form>
    </details>
  );
}

export function EventDesk({ id }: { id: string }) {
  const i18n = useI18n();
  const { client, me } = useAuth();
  const [summaries, setSummaries] = useState<Record<string, SettlementSummary>>({});
  const event = useLoader(
    (signal) => client.call('GET /api/v1/events/{id}', { path: { id }, signal }),
    [client, id],
    { refreshMs: 10_000 },
  );
  const e = event.data;
  const replaceMarket = (market: Market) => {
    if (!e) return;
    const exists = e.markets.some((m) => m.id === market.id);
    event.setData({
      ...e,
      markets: exists
        ? e.markets.map((m) => (m.id === market.id ? market : m))
        : [...e.markets, market],
    });
  };
  if (!e) {
    return (
      <div className="page">
        <PageHeading>Event</PageHeading>
        <p className="muted">{event.loading ? 'Loading…' : 'This event could not be read.'}</p>
        <p>
          <a href="#/trading">Back to trading</a>
        </p>
      </div>
    );
  }
  return (
    <div className="page">
      <nav aria-label="Breadcrumbs" className="breadcrumbs">
        <a href="#/trading">Trading</a>
        <span aria-hidden="true"> › </span>
        {e.sport.name} · {e.competition.name}
      </nav>
      <PageHeading>{e.name}</PageHeading>
      <p className="muted">
        <time dateTime={e.startsAt}>{i18n.dateTime(e.startsAt)}</time> ·{' '}
        <span className={`badge status-${e.status}`}>{e.status}</span> · id <code>{e.id}</code>
      </p>
      {e.markets.length === 0 ? <p className="muted">No markets yet.</p> : null}
      {e.markets.map((market) => (
        <MarketDesk
          key={market.id}
          event={e}
          market={market}
          summary={summaries[market.id]}
          onMarket={replaceMarket}
          onSettled={(s) => {
            setSummaries((all) => ({ ...all, [market.id]: s }));
            void event.reload();
          }}
        />
      ))}
      {can(me, 'catalog:write') ? <AddMarket event={e} onAdded={replaceMarket} /> : null}
      {can(me, 'bets:read') ? <LiabilityView eventId={e.id} /> : null}
    </div>
  );
}
