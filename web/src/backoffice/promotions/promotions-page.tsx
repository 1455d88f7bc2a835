// Promotions: every promotion with its status, dates, awards and budget spent (pause, resume,
// end), and a new one — a free bet, bonus money with a wagering requirement, or a deposit
// bonus — for some segments or countries, opt-in or automatic.
import { type FormEvent, useState } from 'react';
import type { Result } from '../../api/operations.ts';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { formatMinor, parseMajorToMinor } from '../../lib/money.ts';
import { useAuth } from '../../ui/auth.tsx';
import { CheckboxField, SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';

type Promotion = Result<'GET /api/v1/admin/promotions'>[number];
type Kind = 'free_bet' | 'bonus' | 'deposit_bonus';

const local = (date: Date) =>
  new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

function NewPromotion({ onCreated }: { onCreated: () => void }) {
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [kind, setKind] = useState<Kind>('free_bet');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [currency, setCurrency] = useState('EUR');
  const [starts, setStarts] = useState(() => local(new Date()));
  const [ends, setEnds] = useState(() => local(new Date(Date.now() + 7 * 86_400_000)));
  const [optIn, setOptIn] = useState(true);
  const [amount, setAmount] = useState('5.00');
  const [percent, setPercent] = useState('100');
  const [maxBonus, setMaxBonus] = useState('50.00');
  const [minDeposit, setMinDeposit] = useState('10.00');
  const [wagering, setWagering] = useState('5');
  const [minOdds, setMinOdds] = useState('1.50');
  const [expiryDays, setExpiryDays] = useState('7');
  const [budget, setBudget] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const minor = (text: string) => parseMajorToMinor(text, 2) ?? undefined;
    const terms =
      kind === 'deposit_bonus'
        ? {
            percentBps: Math.round(Number(percent) * 100),
            maxBonus: minor(maxBonus),
            minDeposit: minor(minDeposit),
            wageringMultiplier: Number(wagering),
            expiryDays: Number(expiryDays),
            ...(minOdds ? { minOdds } : {}),
          }
        : kind === 'bonus'
          ? {
              amount: minor(amount),
              wageringMultiplier: Number(wagering),
              expiryDays: Number(expiryDays),
              ...(minOdds ? { minOdds } : {}),
            }
          : {
              amount: minor(amount),
              expiryDays: Number(expiryDays),
              ...(minOdds ? { minOdds } : {}),
            };
    void run(async () => {
      try {
        const created = await client.call('POST /api/v1/admin/promotions', {
          body: {
            kind,
            name: name.trim(),
            ...(description.trim() ? { description: description.trim() } : {}),
            currency,
            startsAt: new Date(starts).toISOString(),
            endsAt: new Date(ends).toISOString(),
            optIn,
            ...(budget.trim() && minor(budget) ? { budget: minor(budget) } : {}),
            terms,
          },
        });
        notify(`Promotion "${created.name}" created.`, 'success');
        setName('');
        onCreated();
      } catch (error) {
        report(error, currency);
      }
    });
  };
  return (
    <details className="panel">
      <summary>New promotion</summary>
      <form className="stack" onSubmit={submit}>
        <div className="two-columns">
          <SelectField
            label="Kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as Kind)}
            options={[
              { value: 'free_bet', label: 'Free bet' },
              { value: 'bonus', label: 'Bonus money' },
              { value: 'deposit_bonus', label: 'Deposit bonus' },
            ]}
          />
          <TextField
            label="Name"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <TextField
            label="Description"
            maxLength={500}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
          <TextField
            label="Currency"
            required
            pattern="[A-Z]{3}"
            value={currency}
            onChange={(e) => setCurrency(e.target.value.toUpperCase())}
          />
          <TextField
            label="Starts"
            type="datetime-local"
            value={starts}
            onChange={(e) => setStarts(e.target.value)}
          />
          <TextField
            label="Ends"
            type="datetime-local"
            value={ends}
            onChange={(e) => setEnds(e.target.value)}
          />
          {kind === 'deposit_bonus' ? (
            <>
              <TextField
                label="Bonus (% of the deposit)"
                inputMode="decimal"
                value={percent}
                onChange={(e) => setPercent(e.target.value)}
              />
              <TextField
                label="Largest bonus"
                inputMode="decimal"
                value={maxBonus}
                onChange={(e) => setMaxBonus(e.target.value)}
              />
              <TextField
                label="Smallest deposit"
                inputMode="decimal"
                value={minDeposit}
                onChange={(e) => setMinDeposit(e.target.value)}
              />
            </>
          ) : (
            <TextField
              label="Amount"
              inputMode="decimal"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
            />
          )}
          {kind !== 'free_bet' ? (
            <TextField
              label="Wagering (× the bonus)"
              inputMode="numeric"
              value={wagering}
              onChange={(e) => setWagering(e.target.value)}
            />
          ) : null}
          <TextField
            label="Minimum odds"
            inputMode="decimal"
            value={minOdds}
            onChange={(e) => setMinOdds(e.target.value)}
          />
          <TextField
            label="Expires after (days)"
            inputMode="numeric"
            value={expiryDays}
            onChange={(e) => setExpiryDays(e.target.value)}
          />
          <TextField
            label="Budget (optional)"
            inputMode="decimal"
            value={budget}
            onChange={(e) => setBudget(e.target.value)}
          />
          <CheckboxField
            label="Players opt in"
            checked={optIn}
            onChange={(e) => setOptIn(e.target.checked)}
          />
        </div>
        <SubmitButton busy={busy} busyLabel="Creating…" disabled={name.trim() === ''}>
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
