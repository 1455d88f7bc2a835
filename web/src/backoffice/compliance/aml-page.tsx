// AML: the flags the monitoring rules raised (large or cumulative payments, rapid cycling,
// stake patterns), open ones first, each resolved with an outcome and notes.
import { type FormEvent, useState } from 'react';
import type { Result } from '../../api/operations.ts';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { formatMinor } from '../../lib/money.ts';
import { useAuth } from '../../ui/auth.tsx';
import { SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';

type Flag = Result<'GET /api/v1/admin/aml/flags'>['items'][number];
type Resolution = 'no_action' | 'monitor' | 'reported' | 'restricted';

function Resolve({ flag, onResolved }: { flag: Flag; onResolved: (f: Flag) => void }) {
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [resolution, setResolution] = useState<Resolution>('no_action');
  const [notes, setNotes] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      try {
        const saved = await client.call('POST /api/v1/admin/aml/flags/{id}/resolve', {
          path: { id: flag.id },
          body: { resolution, notes: notes.trim() },
        });
        notify(`Flag resolved: ${saved.resolution}.`, 'success');
        onResolved(saved);
      } catch (error) {
        report(error, flag.currency);
      }
    });
  };
  return (
    <form className="margin-tool" onSubmit={submit}>
      <SelectField
        label="Outcome"
        value={resolution}
        onChange={(e) => setResolution(e.target.value as Resolution)}
        options={[
          { value: 'no_action', label: 'No action' },
          { value: 'monitor', label: 'Monitor' },
          { value: 'reported', label: 'Reported (SAR)' },
          { value: 'restricted', label: 'Restricted' },
        ]}
      />
      <TextField
        label="Notes"
        required
        maxLength={2000}
        value={notes}
        onChange={(e) => setNotes(e.target.value)}
      />
      <SubmitButton busy={busy} busyLabel="Saving…" disabled={notes.trim() === ''}>
        Resolve
      </SubmitButton>
    </form>
  );
}

export function AmlPage() {
  const i18n = useI18n();
  const { client } = useAuth();
  const [status, setStatus] = useState<'open' | 'resolved'>('open');
  const flags = useLoader(
    (signal) =>
      client.call('GET /api/v1/admin/aml/flags', { query: { status, limit: 100 }, signal }),
    [client, status],
    { refreshMs: 30_000 },
  );
  return (
    <div className="page stack">
      <PageHeading>AML flags</PageHeading>
      <nav className="tabs" aria-label="Which flags">
        {(['open', 'resolved'] as const).map((s) => (
          <button
            key={s}
            type="button"
            className="link"
            aria-current={status === s ? 'page' : undefined}
            onClick={() => setStatus(s)}
          >
            {s === 'open' ? 'Open' : 'Resolved'}
          </button>
        ))}
      </nav>
      {flags.error ? (
        <p className="callout callout-error">{describeError(flags.error, i18n)}</p>
      ) : null}
      {flags.loading && !flags.data ? <p className="muted">Loading…</p> : null}
      {flags.data && flags.data.items.length === 0 ? (
        <p className="muted">{status === 'open' ? 'No open flags.' : 'No resolved flags.'}</p>
      ) : null}
      <ol className="plain-list" data-testid="aml-flags">
        {flags.data?.items.map((f) => (
          <li key={f.id} className="panel stack">
            <p>
              <strong>{f.rule.replaceAll('_', ' ')}</strong> ·{' '}
              {formatMinor(f.amount, f.currency, 'en-GB')} (threshold{' '}
              {formatMinor(f.threshold, f.currency, 'en-GB')}) · {f.source} ·{' '}
              {i18n.dateTime(f.raisedAt)} · player{' '}
              <a href={`#/risk/player/${f.playerId}`}>
                <code>{f.playerId.slice(0, 8)}</code>
              </a>
            </p>
            {f.status === 'resolved' ? (
              <p className="muted">
                {f.resolution} {f.resolvedAt ? `· ${i18n.dateTime(f.resolvedAt)}` : ''} · {f.notes}
              </p>
            ) : (
              <Resolve flag={f} onResolved={() => void flags.reload()} />
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
