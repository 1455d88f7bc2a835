// A player's safer-gambling state for staff: their limits (with changes waiting out the
// cooling-off), reality checks, any exclusion, verification; and a limit set on their behalf.
import { type FormEvent, useState } from 'react';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { formatMinor, parseMajorToMinor } from '../../lib/money.ts';
import { useAuth } from '../../ui/auth.tsx';
import { SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';

type Kind = 'deposit' | 'loss' | 'session';
type Period = 'day' | 'week' | 'month' | 'session';

export function PlayerSaferGambling({ id }: { id: string }) {
  const i18n = useI18n();
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [kind, setKind] = useState<Kind>('deposit');
  const [period, setPeriod] = useState<Period>('month');
  const [amount, setAmount] = useState('');
  const rg = useLoader(
    (signal) =>
      client.call('GET /api/v1/admin/players/{id}/responsible-gambling', { path: { id }, signal }),
    [client, id],
  );
  if (!rg.data) {
    return rg.error ? (
      <p className="callout callout-error">{describeError(rg.error, i18n)}</p>
    ) : (
      <p className="muted">Loading…</p>
    );
  }
  const o = rg.data;
  const currency = o.jurisdiction.currency;
  const show = (k: Kind, value: string | null) =>
    value === null
      ? 'none'
      : k === 'session'
        ? `${value} min`
        : formatMinor(value, currency, 'en-GB');
  const effectivePeriod: Period =
    kind === 'session' ? 'session' : period === 'session' ? 'month' : period;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value =
      amount.trim() === ''
        ? null
        : kind === 'session'
          ? amount.trim()
          : parseMajorToMinor(amount, 2);
    if (amount.trim() !== '' && (value === null || value === '0')) {
      notify(
        'Enter an amount like 100.00 (minutes for a session limit), or nothing to remove it.',
        'error',
      );
      return;
    }
    void run(async () => {
      try {
        const answer = await client.call('PUT /api/v1/admin/players/{id}/limits', {
          path: { id },
          body: { kind, period: effectivePeriod, amount: value },
        });
        notify(
          `Limit ${answer.effect === 'pending' ? 'waits out the cooling-off' : answer.effect}.`,
          'success',
        );
        setAmount('');
        await rg.reload();
      } catch (error) {
        report(error, currency);
      }
    });
  };
  return (
    <section className="panel stack" data-testid="player-rg">
      <h2>Safer gambling</h2>
      <p className="muted">
        {o.jurisdiction.name} ({o.jurisdiction.regulator}) · KYC {o.kyc.status} · reality checks{' '}
        {o.realityCheck.intervalMinutes ? `every ${o.realityCheck.intervalMinutes} min` : 'off'}
      </p>
      {o.exclusion ? (
        <p className="callout callout-warn">
          {o.exclusion.kind.replaceAll('_', ' ')} ({o.exclusion.period}) since{' '}
          {i18n.dateTime(o.exclusion.startsAt)}
          {o.exclusion.endsAt ? ` until ${i18n.dateTime(o.exclusion.endsAt)}` : ', permanent'}
        </p>
      ) : null}
      {o.limits.length === 0 ? <p className="muted">No limits.</p> : null}
      <ul className="plain-list">
        {o.limits.map((l) => (
          <li key={`${l.kind}-${l.period}`}>
            {l.kind} per {l.period}: <strong>{show(l.kind, l.amount)}</strong>
            {l.pending
              ? ` → ${show(l.kind, l.pending.amount)} from ${i18n.dateTime(l.pending.from)}`
              : ''}
          </li>
        ))}
      </ul>
      <form className="filters" onSubmit={submit}>
        <SelectField
          label="Limit on"
          value={kind}
          onChange={(e) => setKind(e.target.value as Kind)}
          options={[
            { value: 'deposit', label: 'Deposits' },
            { value: 'loss', label: 'Losses' },
            { value: 'session', label: 'Session time' },
          ]}
        />
        {kind === 'session' ? null : (
          <SelectField
            label="Per"
            value={effectivePeriod}
            onChange={(e) => setPeriod(e.target.value as Period)}
            options={[
              { value: 'day', label: 'Day' },
              { value: 'week', label: 'Week' },
              { value: 'month', label: 'Month' },
            ]}
          />
        )}
        <TextField
          label={
            kind === 'session' ? 'Minutes (empty: remove)' : `Amount in ${currency} (empty: remove)`
          }
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
        <SubmitButton busy={busy} busyLabel="Saving…">
          Set limit
        </SubmitButton>
      </form>
    </section>
  );
}
