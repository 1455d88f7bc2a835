// Promotions: every promotion with its status, dates, awards and budget spent (pause, resume,
// end), and a new one of any kind — a free bet (on chosen sports and market types), bonus money
// with a wagering requirement, a deposit bonus, an odds boost on a selection picked from the
// catalogue, or an acca bonus by number of legs — for some segments, countries or new players,
// opt-in or automatic, with caps and a budget. The form's rules live in promotion-form.ts.
import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import type { Result } from '../../api/operations.ts';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { formatMinor } from '../../lib/money.ts';
import { useAuth } from '../../ui/auth.tsx';
import { CheckboxField, SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { problemFields } from '../problem-fields.ts';
import {
  awards,
  emptyPromotion,
  PROMOTION_KINDS,
  type PromotionDraft,
  type PromotionErrors,
  type PromotionKind,
  promotionBody,
} from './promotion-form.ts';

type Promotion = Result<'GET /api/v1/admin/promotions'>[number];
type Sport = Result<'GET /api/v1/sports'>[number];
type MarketType = Result<'GET /api/v1/market-types'>[number];
/** The draft's fields typed as text. */
type TextKey = {
  [K in keyof PromotionDraft]: PromotionDraft[K] extends string ? K : never;
}[keyof PromotionDraft];
type SetField = <K extends keyof PromotionDraft>(field: K, value: PromotionDraft[K]) => void;

function FieldError({ message }: { message: string | undefined }) {
  return message ? (
    <p className="field-error" role="alert">
      {message}
    </p>
  ) : null;
}

/**
 * The selection an odds boost is on, chosen in steps: a sport (to narrow the list), an event
 * from the catalogue, one of its markets, then the selection, whose current price is shown.
 */
function BoostSelection({
  sports,
  draft,
  set,
  error,
}: {
  sports: Sport[];
  draft: PromotionDraft;
  set: SetField;
  error: string | undefined;
}) {
  const { client } = useAuth();
  const i18n = useI18n();
  const [sport, setSport] = useState('');
  const [eventId, setEventId] = useState('');
  const [marketId, setMarketId] = useState('');
  const events = useLoader(
    (signal) =>
      client.call('GET /api/v1/events', {
        query: { limit: 100, ...(sport ? { sport } : {}) },
        signal,
      }),
    [client, sport],
  );
  const choices = (events.data?.items ?? []).filter(
    (e) => e.status === 'scheduled' || e.status === 'live',
  );
  const event = choices.find((e) => e.id === eventId);
  const markets = (event?.markets ?? []).filter(
    (m) => m.status === 'open' || m.status === 'suspended',
  );
  const market = markets.find((m) => m.id === marketId);
  const selection = market?.selections.find((s) => s.id === draft.selectionId);
  const choose = (selectionId: string) => {
    set('selectionId', selectionId);
    set('currentPrice', market?.selections.find((s) => s.id === selectionId)?.price ?? '');
  };
  return (
    <fieldset className="stack">
      <legend>Boosted selection</legend>
      <div className="two-columns">
        <SelectField
          label="Sport of the event"
          value={sport}
          onChange={(e) => {
            setSport(e.target.value);
            setEventId('');
            setMarketId('');
            choose('');
          }}
          options={[
            { value: '', label: 'Every sport' },
            ...sports.map((s) => ({ value: s.slug, label: s.name })),
          ]}
        />
        <SelectField
          label="Event"
          value={eventId}
          disabled={choices.length === 0}
          onChange={(e) => {
            setEventId(e.target.value);
            setMarketId('');
            choose('');
          }}
          options={[
            {
              value: '',
              label: events.loading && !events.data ? 'Loading…' : 'Choose an event',
            },
            ...choices.map((e) => ({
              value: e.id,
              label: `${e.name} — ${i18n.dateTime(e.startsAt)}${e.status === 'live' ? ' (live)' : ''}`,
            })),
          ]}
        />
        <SelectField
          label="Market"
          value={marketId}
          disabled={!event}
          onChange={(e) => {
            setMarketId(e.target.value);
            choose('');
          }}
          options={[
            { value: '', label: 'Choose a market' },
            ...markets.map((m) => ({
              value: m.id,
              label: `${m.name}${m.line ? ` ${m.line}` : ''}${m.status === 'suspended' ? ' (suspended)' : ''}`,
            })),
          ]}
        />
        <SelectField
          label="Selection"
          value={draft.selectionId}
          disabled={!market}
          aria-invalid={error ? true : undefined}
          onChange={(e) => choose(e.target.value)}
          options={[
            { value: '', label: 'Choose a selection' },
            ...(market?.selections ?? []).map((s) => ({
              value: s.id,
              label: `${s.name} @ ${s.price}`,
            })),
          ]}
        />
      </div>
      {events.error ? (
        <p className="callout callout-error" role="alert">
          {describeError(events.error, i18n)}
        </p>
      ) : null}
      {events.data && choices.length === 0 ? (
        <p className="muted">No upcoming or live events{sport ? ' in this sport' : ''}.</p>
      ) : null}
      <p aria-live="polite" data-testid="boost-current-price">
        {selection ? (
          <>
            Current price of {selection.name}: <strong>{selection.price}</strong>
          </>
        ) : null}
      </p>
      <FieldError message={error} />
    </fieldset>
  );
}

/** A group of check boxes, one per choice, for a list the API takes as an array. */
function CheckGroup({
  legend,
  hint,
  choices,
  chosen,
  onChange,
  error,
}: {
  legend: string;
  hint: ReactNode;
  choices: { value: string; label: string }[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
  error: string | undefined;
}) {
  return (
    <fieldset className="stack">
      <legend>{legend}</legend>
      <p className="hint">{hint}</p>
      <div className="check-grid">
        {choices.map((c) => (
          <CheckboxField
            key={c.value}
            label={c.label}
            checked={chosen.includes(c.value)}
            onChange={(e) =>
              onChange(
                e.target.checked ? [...chosen, c.value] : chosen.filter((v) => v !== c.value),
              )
            }
          />
        ))}
      </div>
      <FieldError message={error} />
    </fieldset>
  );
}

function NewPromotion({ onCreated }: { onCreated: () => void }) {
  const i18n = useI18n();
  const { client } = useAuth();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const [draft, setDraft] = useState<PromotionDraft>(() => emptyPromotion());
  const [errors, setErrors] = useState<PromotionErrors>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const sports = useLoader((signal) => client.call('GET /api/v1/sports', { signal }), [client]);
  const marketTypes = useLoader(
    (signal) => client.call('GET /api/v1/market-types', { signal }),
    [client],
  );
  const set: SetField = (field, value) => setDraft((d) => ({ ...d, [field]: value }));
  /** This form's message for a field, else the server's (for a path or anything below it). */
  const errorAt = (path: string) =>
    errors[path] ??
    (serverErrors[path] ||
      Object.entries(serverErrors).find(([key]) => key.startsWith(`${path}/`))?.[1] ||
      undefined);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setServerErrors({});
    setFailure(null);
    const result = promotionBody(draft);
    if (!result.ok) {
      setErrors(result.errors);
      setFailure('Correct the marked fields.');
      return;
    }
    setErrors({});
    void run(async () => {
      try {
        const created = await client.call('POST /api/v1/admin/promotions', { body: result.body });
        notify(`Promotion "${created.name}" created.`, 'success');
        setDraft((d) => ({ ...d, name: '', description: '' }));
        onCreated();
      } catch (error) {
        if (error instanceof ApiError) setServerErrors(problemFields(error.problem));
        setFailure(describeError(error, i18n, result.body.currency));
      }
    });
  };
  const kind = draft.kind;
  const money = (label: string) => `${label} (${draft.currency || 'currency'})`;
  const text = (
    field: TextKey,
    label: string,
    path: string,
    extra: Partial<Parameters<typeof TextField>[0]> = {},
  ) => (
    <TextField
      label={label}
      value={draft[field]}
      error={errorAt(path)}
      onChange={(e) => set(field, e.target.value)}
      {...extra}
    />
  );
  const accaRows = draft.acca;
  const setRow = (i: number, field: 'legs' | 'percent', value: string) =>
    set(
      'acca',
      accaRows.map((row, j) => (j === i ? { ...row, [field]: value } : row)),
    );
  return (
    <details className="panel">
      <summary>New promotion</summary>
      <form className="stack" onSubmit={submit} noValidate>
        <div className="two-columns">
          <SelectField
            label="Kind"
            value={kind}
            onChange={(e) =>
              // A boost's selection is picked afresh each time the kind comes back to it.
              setDraft((d) => ({
                ...d,
                kind: e.target.value as PromotionKind,
                selectionId: '',
                currentPrice: '',
              }))
            }
            options={PROMOTION_KINDS}
          />
          {text('name', 'Name', 'name', { required: true, maxLength: 120 })}
          {text('description', 'Description', 'description', { maxLength: 2000 })}
          {text('currency', 'Currency', 'currency', {
            required: true,
            maxLength: 3,
            onChange: (e) => set('currency', e.target.value.toUpperCase()),
          })}
          {text('startsAt', 'Starts', 'startsAt', { type: 'datetime-local' })}
          {text('endsAt', 'Ends', 'endsAt', { type: 'datetime-local' })}
          {kind === 'free_bet' || kind === 'bonus'
            ? text('amount', money('Amount'), 'terms/amount', { inputMode: 'decimal' })
            : null}
          {kind === 'deposit_bonus' ? (
            <>
              {text('percent', 'Bonus (% of the deposit)', 'terms/percentBps', {
                inputMode: 'decimal',
              })}
              {text('maxBonus', money('Largest bonus'), 'terms/maxBonus', {
                inputMode: 'decimal',
              })}
              {text('minDeposit', money('Smallest deposit'), 'terms/minDeposit', {
                inputMode: 'decimal',
              })}
            </>
          ) : null}
          {kind === 'bonus' || kind === 'deposit_bonus'
            ? text('wageringMultiplier', 'Wagering (× the bonus)', 'terms/wageringMultiplier', {
                inputMode: 'numeric',
              })
            : null}
          {awards(kind)
            ? text('minOdds', 'Minimum odds', 'terms/minOdds', {
                inputMode: 'decimal',
                hint: 'Decimal odds; empty for none.',
              })
            : null}
          {awards(kind)
            ? text('expiryDays', 'Expires after (days)', 'terms/expiryDays', {
                inputMode: 'numeric',
              })
            : null}
          {kind === 'bonus' || kind === 'deposit_bonus' ? (
            <CheckboxField
              label="Forfeit the bonus when the player withdraws"
              checked={draft.forfeitOnWithdrawal}
              onChange={(e) => set('forfeitOnWithdrawal', e.target.checked)}
            />
          ) : null}
          {kind === 'acca_bonus'
            ? text('minLegOdds', 'Minimum odds of each leg', 'terms/minLegOdds', {
                inputMode: 'decimal',
              })
            : null}
        </div>

        {kind === 'odds_boost' ? (
          <>
            <BoostSelection
              sports={sports.data ?? []}
              draft={draft}
              set={set}
              error={errorAt('terms/selectionId')}
            />
            <div className="two-columns">
              {text('boostedPrice', 'Boosted price', 'terms/boostedPrice', {
                inputMode: 'decimal',
                hint: 'Decimal odds above the current price.',
              })}
              {text('maxStake', money('Largest stake'), 'terms/maxStake', {
                inputMode: 'decimal',
              })}
            </div>
          </>
        ) : null}

        {kind === 'acca_bonus' ? (
          <fieldset className="stack">
            <legend>Bonus by winning legs</legend>
            <p className="hint">
              A winning multiple earns the percentage of its winnings for the largest number of legs
              in the table that it reaches.
            </p>
            <FieldError message={errorAt('terms/percentBpsByLegs')} />
            {accaRows.map((row, i) => {
              const n = i + 1;
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
                <fieldset key={i} className="two-columns">
                  <legend className="visually-hidden">Row {n}</legend>
                  <TextField
                    label={`Row ${n}: legs`}
                    inputMode="numeric"
                    value={row.legs}
                    error={errorAt(`acca/${i}/legs`)}
                    onChange={(e) => setRow(i, 'legs', e.target.value)}
                  />
                  <TextField
                    label={`Row ${n}: bonus (% of the winnings)`}
                    inputMode="decimal"
                    value={row.percent}
                    error={errorAt(`acca/${i}/percent`)}
                    onChange={(e) => setRow(i, 'percent', e.target.value)}
                  />
                  <div>
                    <button
                      type="button"
                      className="secondary"
                      disabled={accaRows.length <= 1}
                      onClick={() =>
                        set(
                          'acca',
                          accaRows.filter((_, j) => j !== i),
                        )
                      }
                    >
                      Remove row {n}
                    </button>
                  </div>
                </fieldset>
              );
            })}
            <div>
              <button
                type="button"
                className="secondary"
                disabled={accaRows.length >= 19}
                onClick={() => set('acca', [...accaRows, { legs: '', percent: '' }])}
              >
                Add a row
              </button>
            </div>
          </fieldset>
        ) : null}

        {kind === 'free_bet' ? (
          <>
            <CheckGroup
              legend="Sports the free bet may be staked on"
              hint="None ticked: every sport."
              choices={(sports.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
              chosen={draft.sports}
              onChange={(chosen) => set('sports', chosen)}
              error={errorAt('terms/sports')}
            />
            <CheckGroup
              legend="Market types the free bet may be staked on"
              hint="None ticked: every market type."
              choices={(marketTypes.data ?? []).map((m: MarketType) => ({
                value: m.type,
                label: m.type.replaceAll('_', ' '),
              }))}
              chosen={draft.marketTypes}
              onChange={(chosen) => set('marketTypes', chosen)}
              error={errorAt('terms/marketTypes')}
            />
          </>
        ) : null}

        <fieldset className="stack">
          <legend>Who may take part</legend>
          <div className="two-columns">
            {text('segments', 'Segments', 'segments', {
              hint: 'Comma-separated, e.g. vip, high-rollers; empty for every player.',
            })}
            {text('countries', 'Countries', 'countries', {
              hint: 'ISO codes, comma-separated, e.g. GB, IE; empty for every country.',
            })}
            {text('newPlayersDays', 'New players: registered within (days)', 'newPlayersDays', {
              inputMode: 'numeric',
              hint: 'Empty for every player.',
            })}
            {kind !== 'acca_bonus'
              ? text(
                  'perPlayer',
                  kind === 'odds_boost' ? 'Uses per player' : 'Awards per player',
                  'perPlayer',
                  { inputMode: 'numeric' },
                )
              : null}
            {awards(kind)
              ? text('maxAwards', 'Most awards in total (optional)', 'maxAwards', {
                  inputMode: 'numeric',
                })
              : null}
            {awards(kind)
              ? text('budget', `Budget (${draft.currency || 'currency'}, optional)`, 'budget', {
                  inputMode: 'decimal',
                })
              : null}
            <CheckboxField
              label="Players opt in"
              checked={draft.optIn}
              onChange={(e) => set('optIn', e.target.checked)}
            />
          </div>
        </fieldset>
        {failure ? (
          <p className="callout callout-error" role="alert">
            {failure}
          </p>
        ) : null}
        <SubmitButton busy={busy} busyLabel="Creating…" disabled={draft.name.trim() === ''}>
          Create promotion
        </SubmitButton>
      </form>
    </details>
  );
}

function Row({ promotion, onChanged }: { promotion: Promotion; onChanged: () => void }) {
  const i18n = useI18n();
  const { client } = useAuth();
  const report = useReport();
  const [busy, run] = useBusy();
  const set = (status: 'active' | 'paused' | 'ended') =>
    run(async () => {
      try {
        await client.call('POST /api/v1/admin/promotions/{id}/status', {
          path: { id: promotion.id },
          body: { status },
        });
        onChanged();
      } catch (error) {
        report(error);
      }
    });
  const p = promotion;
  return (
    <tr>
      <th scope="row">
        {p.name}
        <br />
        <span className="muted small">{p.kind.replaceAll('_', ' ')}</span>
      </th>
      <td>
        <span className={`badge status-${p.status}`}>{p.status}</span>
      </td>
      <td className="small">
        {i18n.dateTime(p.startsAt)} – {i18n.dateTime(p.endsAt)}
      </td>
      <td className="num">
        {p.awards}
        {p.maxAwards ? ` / ${p.maxAwards}` : ''}
      </td>
      <td className="num">
        {formatMinor(p.spent, p.currency, 'en-GB')}
        {p.budget ? ` / ${formatMinor(p.budget, p.currency, 'en-GB')}` : ''}
      </td>
      <td>
        {p.status === 'active' ? (
          <button type="button" className="link" disabled={busy} onClick={() => void set('paused')}>
            Pause
          </button>
        ) : null}
        {p.status === 'paused' ? (
          <button type="button" className="link" disabled={busy} onClick={() => void set('active')}>
            Resume
          </button>
        ) : null}
        {p.status !== 'ended' ? (
          <button type="button" className="link" disabled={busy} onClick={() => void set('ended')}>
            End
          </button>
        ) : null}
      </td>
    </tr>
  );
}

export function PromotionsAdminPage() {
  const i18n = useI18n();
  const { client } = useAuth();
  const list = useLoader(
    (signal) => client.call('GET /api/v1/admin/promotions', { signal }),
    [client],
  );
  return (
    <div className="page stack">
      <PageHeading>Promotions</PageHeading>
      <NewPromotion onCreated={() => void list.reload()} />
      {list.error ? (
        <p className="callout callout-error">{describeError(list.error, i18n)}</p>
      ) : null}
      {list.loading && !list.data ? <p className="muted">Loading…</p> : null}
      {list.data && list.data.length === 0 ? <p className="muted">No promotions yet.</p> : null}
      {list.data && list.data.length > 0 ? (
        <table className="table" data-testid="promotions-admin">
          <caption className="visually-hidden">Promotions</caption>
          <thead>
            <tr>
              <th scope="col">Promotion</th>
              <th scope="col">Status</th>
              <th scope="col">Runs</th>
              <th scope="col" className="num">
                Awards
              </th>
              <th scope="col" className="num">
                Spent
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((p) => (
              <Row key={p.id} promotion={p} onChanged={() => void list.reload()} />
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
