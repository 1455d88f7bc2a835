// API keys: create one (the key is shown this once, with a copy button), list them with their
// prefix, scopes and last use, rotate one (the old key keeps working for a grace period) and
// revoke one. Creating and rotating need a recent second-factor proof when one is enrolled.
import { type FormEvent, useState } from 'react';
import type { ApiKey, CreatedApiKey } from '../api/types.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useAuth } from '../ui/auth.tsx';
import { CopyButton } from '../ui/copy.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { formText, SelectField, SubmitButton, TextField } from '../ui/forms.tsx';
import { useBusy, useCursorList } from '../ui/hooks.ts';
import { useNotify, useReport } from '../ui/notices.tsx';
import { PageHeading } from '../ui/page.tsx';

const SCOPES = [
  { scope: 'odds:read', label: 'Read the odds feed' },
  { scope: 'webhooks:manage', label: 'Manage webhooks (coming)' },
  { scope: 'reports:read', label: 'Read reports (coming)' },
];

const GRACE = [
  { value: '0', label: 'Stop the old key now' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days' },
];

function NewKey({ created, onClose }: { created: CreatedApiKey | null; onClose: () => void }) {
  return (
    <Dialog open={created !== null} title="Your new API key" onClose={onClose}>
      {created ? (
        <div className="stack">
          <p className="callout callout-warn">
            Copy the key now: it is shown this once. iBet keeps only its fingerprint.
          </p>
          <p>
            <strong>{created.apiKey.name}</strong> · {created.apiKey.scopes.join(', ')}
          </p>
          <code className="secret-key" data-testid="new-api-key">
            {created.key}
          </code>
          <div className="actions">
            <CopyButton text={created.key} label="Copy the key" />
            <button type="button" onClick={onClose}>
              I have stored it
            </button>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}

function KeyRow({
  apiKey,
  onChanged,
  onCreated,
}: {
  apiKey: ApiKey;
  onChanged: () => void;
  onCreated: (created: CreatedApiKey) => void;
}) {
  const i18n = useI18n();
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [grace, setGrace] = useState('3600');
  const [rotating, setRotating] = useState(false);

  const rotate = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void run(async () => {
      try {
        const created = await client.call('POST /api/v1/partner/api-keys/{id}/rotate', {
          path: { id: apiKey.id },
          body: { graceSeconds: Number(grace) },
        });
        setRotating(false);
        onCreated(created);
        onChanged();
      } catch (error) {
        report(error);
      }
    });
  };
  const revoke = () =>
    run(async () => {
      if (!window.confirm(`Revoke "${apiKey.name}"? Programs using it stop at once.`)) return;
      try {
        await client.call('POST /api/v1/partner/api-keys/{id}/revoke', { path: { id: apiKey.id } });
        notify(`"${apiKey.name}" is revoked.`, 'success');
        onChanged();
      } catch (error) {
        report(error);
      }
    });

  const working = apiKey.status !== 'revoked';
  return (
    <tr data-testid="api-key-row">
      <td>
        <strong>{apiKey.name}</strong>
        <br />
        <code className="small">ibet_{apiKey.prefix}_…</code>
      </td>
      <td>
        <span className="tags">
          {apiKey.scopes.map((s) => (
            <code key={s} className="tag">
              {s}
            </code>
          ))}
        </span>
      </td>
      <td>
        <span className={`badge key-${apiKey.status}`}>{apiKey.status}</span>
      </td>
      <td className="small">
        {i18n.date(apiKey.createdAt)}
        <br />
        <span className="muted">
          {apiKey.lastUsedAt ? `used ${i18n.dateTime(apiKey.lastUsedAt)}` : 'never used'}
        </span>
      </td>
      <td>
        {apiKey.status === 'active' && !rotating ? (
          <div className="actions">
            <button type="button" className="secondary small" onClick={() => setRotating(true)}>
              Rotate
            </button>
            <button type="button" className="danger small" disabled={busy} onClick={revoke}>
              Revoke
            </button>
          </div>
        ) : null}
        {apiKey.status === 'expiring' ? (
          <button type="button" className="danger small" disabled={busy} onClick={revoke}>
            Revoke now
          </button>
        ) : null}
        {rotating ? (
          <form className="stack" onSubmit={rotate}>
            <SelectField
              label="The old key keeps working for"
              value={grace}
              onChange={(e) => setGrace(e.target.value)}
              options={GRACE}
            />
            <div className="actions">
              <SubmitButton busy={busy} busyLabel="Rotating…" className="small">
                Rotate key
              </SubmitButton>
              <button type="button" className="secondary small" onClick={() => setRotating(false)}>
                Cancel
              </button>
            </div>
          </form>
        ) : null}
        {!working ? <span className="muted small">–</span> : null}
      </td>
    </tr>
  );
}

export function ApiKeysPage() {
  const { client } = useAuth();
  const report = useReport();
  const [busy, run] = useBusy();
  const [version, setVersion] = useState(0);
  const [scopes, setScopes] = useState<string[]>(['odds:read']);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const keys = useCursorList(
    (cursor, signal) =>
      client.call('GET /api/v1/partner/api-keys', { query: { limit: 50, cursor }, signal }),
    [client, version],
  );

  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const name = formText(new FormData(form), 'name');
    void run(async () => {
      try {
        const answer = await client.call('POST /api/v1/partner/api-keys', {
          body: { name, scopes },
        });
        form.reset();
        setCreated(answer);
        setVersion((v) => v + 1);
      } catch (error) {
        report(error);
      }
    });
  };

  return (
    <div className="page">
      <PageHeading>API keys</PageHeading>
      <form className="panel stack" onSubmit={create} aria-labelledby="new-key-heading">
        <h2 id="new-key-heading">New API key</h2>
        <TextField
          label="Name"
          name="name"
          required
          maxLength={100}
          hint="What it is for, e.g. odds feed (production)."
          autoComplete="off"
        />
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map(({ scope, label }) => (
            <div className="check" key={scope}>
              <input
                id={`scope-${scope}`}
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(e) =>
                  setScopes(
                    e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope),
                  )
                }
              />
              <label htmlFor={`scope-${scope}`}>
                <code>{scope}</code> <span className="hint">{label}</span>
              </label>
            </div>
          ))}
        </fieldset>
        <SubmitButton busy={busy} busyLabel="Creating…" disabled={scopes.length === 0}>
          Create key
        </SubmitButton>
      </form>
      <section className="panel" aria-labelledby="keys-heading">
        <h2 id="keys-heading">Your keys</h2>
        {!keys.loading && keys.items.length === 0 ? <p className="muted">No keys yet.</p> : null}
        {keys.items.length > 0 ? (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Status</th>
                <th scope="col">Created / last use</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.items.map((k) => (
                <KeyRow
                  key={k.id}
                  apiKey={k}
                  onChanged={() => setVersion((v) => v + 1)}
                  onCreated={setCreated}
                />
              ))}
            </tbody>
          </table>
        ) : null}
        {keys.hasMore ? (
          <button type="button" className="secondary" onClick={() => void keys.loadMore()}>
            More keys
          </button>
        ) : null}
      </section>
      <NewKey created={created} onClose={() => setCreated(null)} />
    </div>
  );
}
