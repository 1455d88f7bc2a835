// KYC review: players by verification status (pending first), and one player's documents
// (each opened in a new tab; every viewing is audited), earlier reviews, and a decision —
// verified, rejected, or a note — with the reason.
import { type FormEvent, useState } from 'react';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { useAuth } from '../../ui/auth.tsx';
import { SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';

type Status = 'none' | 'pending' | 'verified' | 'rejected';
const STATUSES: Status[] = ['pending', 'rejected', 'verified', 'none'];

function Queue({ current, version }: { current: string; version: number }) {
  const i18n = useI18n();
  const { client } = useAuth();
  const [status, setStatus] = useState<Status>('pending');
  const list = useLoader(
    (signal) => client.call('GET /api/v1/admin/kyc', { query: { status, limit: 100 }, signal }),
    [client, status, version],
    { refreshMs: 30_000 },
  );
  return (
    <nav className="panel stack" aria-label="Players to review">
      <SelectField
        label="Status"
        value={status}
        onChange={(e) => setStatus(e.target.value as Status)}
        options={STATUSES.map((s) => ({ value: s, label: s }))}
      />
      {list.error ? (
        <p className="callout callout-error">{describeError(list.error, i18n)}</p>
      ) : null}
      {list.data && list.data.items.length === 0 ? <p className="muted">Nobody.</p> : null}
      <ul className="plain-list">
        {list.data?.items.map((p) => (
          <li key={p.playerId}>
            <a
              href={`#/kyc/${p.playerId}`}
              aria-current={p.playerId === current ? 'page' : undefined}
            >
              <code>{p.playerId.slice(0, 8)}</code>
            </a>{' '}
            <span className="muted small">
              {p.jurisdiction} · {p.updatedAt ? i18n.dateTime(p.updatedAt) : '–'}
            </span>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function PlayerKyc({ id, onReviewed }: { id: string; onReviewed: () => void }) {
  const i18n = useI18n();
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [decision, setDecision] = useState<'verified' | 'rejected' | 'note'>('verified');
  const [note, setNote] = useState('');
  const kyc = useLoader(
    (signal) => client.call('GET /api/v1/admin/players/{id}/kyc', { path: { id }, signal }),
    [client, id],
  );
  if (!kyc.data) {
    return kyc.error ? (
      <p className="callout callout-error">{describeError(kyc.error, i18n)}</p>
    ) : (
      <p className="muted">Loading…</p>
    );
  }
  const k = kyc.data;
  const open = (documentId: string) =>
    run(async () => {
      // The file needs the staff member's token: fetched here, shown from memory.
      const token = client.tokens.get()?.accessToken;
      const response = await fetch(`/api/v1/admin/kyc/documents/${documentId}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        cache: 'no-store',
      });
      if (!response.ok) {
        notify(`The document could not be opened (${response.status}).`, 'error');
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      window.open(url, '_blank', 'noopener');
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      try {
        const saved = await client.call('POST /api/v1/admin/players/{id}/kyc/reviews', {
          path: { id },
          body: { decision, note: note.trim() },
        });
        kyc.setData(saved);
        setNote('');
        onReviewed();
        notify(`Review saved: ${saved.status}.`, 'success');
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <section className="panel stack" data-testid="kyc-player">
      <h2>
        {k.displayName} <span className={`badge status-${k.status}`}>{k.status}</span>
      </h2>
      <dl className="facts">
        <div>
          <dt>Email</dt>
          <dd>{k.email}</dd>
        </div>
        <div>
          <dt>Country · jurisdiction</dt>
          <dd>
            {k.country ?? '–'} · {k.jurisdiction}
          </dd>
        </div>
        <div>
          <dt>Date of birth</dt>
          <dd>
            {k.dateOfBirth ?? '–'}
            {k.age !== null ? ` (${k.age}; minimum ${k.minimumAge})` : ''}
          </dd>
        </div>
        <div>
          <dt>Required</dt>
          <dd>
            {k.required.beforeDeposit
              ? 'before deposits'
              : k.required.beforeBet
                ? 'before bets'
                : 'on request'}
          </dd>
        </div>
      </dl>
      <h3>Documents</h3>
      {k.documents.length === 0 ? <p className="muted">None uploaded.</p> : null}
      <ul className="plain-list">
        {k.documents.map((d) => (
          <li key={d.id}>
            <button type="button" className="link" onClick={() => void open(d.id)}>
              {d.kind.replaceAll('_', ' ')}
            </button>{' '}
            <span className="muted small">
              {d.contentType} · {Math.ceil(d.sizeBytes / 1024)} KB · {i18n.dateTime(d.uploadedAt)} ·
              sha256 <code>{d.sha256.slice(0, 12)}…</code>
            </span>
          </li>
        ))}
      </ul>
      <h3>Reviews</h3>
      {k.reviews.length === 0 ? <p className="muted">No reviews yet.</p> : null}
      <ol>
        {k.reviews.map((r) => (
          <li key={`${r.at}-${r.reviewerId}`}>
            <strong>{r.decision}</strong> · {i18n.dateTime(r.at)} ·{' '}
            <code>{r.reviewerId.slice(0, 8)}</code>: {r.note}
          </li>
        ))}
      </ol>
      <form className="stack" onSubmit={submit}>
        <SelectField
          label="Decision"
          value={decision}
          onChange={(e) => setDecision(e.target.value as typeof decision)}
          options={[
            { value: 'verified', label: 'Verified' },
            { value: 'rejected', label: 'Rejected' },
            { value: 'note', label: 'A note only' },
          ]}
        />
        <TextField
          label="Reason or note"
          required
          maxLength={1000}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
        <SubmitButton busy={busy} busyLabel="Saving…" disabled={note.trim() === ''}>
          Save review
        </SubmitButton>
      </form>
    </section>
  );
}

export function KycPage({ playerId }: { playerId: string }) {
  const [version, setVersion] = useState(0);
  return (
    <div className="page stack">
      <PageHeading>KYC review</PageHeading>
      <div className="layout-split">
        <Queue current={playerId} version={version} />
        <div>
          {playerId ? (
            <PlayerKyc key={playerId} id={playerId} onReviewed={() => setVersion((v) => v + 1)} />
          ) : (
            <p className="muted">Choose a player.</p>
          )}
        </div>
      </div>
    </div>
  );
}
