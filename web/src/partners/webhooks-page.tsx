// Webhooks: endpoints (URL and the events sent to it), the signing secret shown once at
// creation and at rotation (the old one keeps working for a grace period), enabling and
// disabling, and the deliveries with their attempts, to send again.
import { type FormEvent, useState } from 'react';
import type { Result } from '../api/operations.ts';
import { describeError } from '../api/problems.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useAuth } from '../ui/auth.tsx';
import { CopyButton } from '../ui/copy.tsx';
import { Dialog } from '../ui/dialog.tsx';
import { CheckboxField, SubmitButton, TextField } from '../ui/forms.tsx';
import { useBusy, useLoader } from '../ui/hooks.ts';
import { useNotify, useReport } from '../ui/notices.tsx';
import { PageHeading } from '../ui/page.tsx';

type Endpoint = Result<'GET /api/v1/partner/webhooks'>['items'][number];
const EVENT_TYPES = ['bet.settled', 'event.result', 'market.status'];

function SecretDialog({ secret, onClose }: { secret: string | null; onClose: () => void }) {
  return (
    <Dialog open={secret !== null} title="Your signing secret" onClose={onClose}>
      <div className="stack">
        <p>
          Deliveries are signed with this secret. It is shown only now: store it where your receiver
          can read it.
        </p>
        <code className="secret" data-testid="webhook-secret">
          {secret}
        </code>
        <div className="actions">
          <CopyButton text={secret ?? ''} label="Copy the secret" />
          <button type="button" onClick={onClose}>
            I have stored it
          </button>
        </div>
      </div>
    </Dialog>
  );
}

function EndpointRow({
  endpoint,
  onChanged,
  onSecret,
}: {
  endpoint: Endpoint;
  onChanged: () => void;
  onSecret: (s: string) => void;
}) {
  const i18n = useI18n();
  const { client } = useAuth();
  const report = useReport();
  const [busy, run] = useBusy();
  const toggle = () =>
    run(async () => {
      try {
        await client.call('PATCH /api/v1/partner/webhooks/{id}', {
          path: { id: endpoint.id },
          body: { active: endpoint.status !== 'active' },
        });
        onChanged();
      } catch (error) {
        report(error);
      }
    });
  const rotate = () =>
    run(async () => {
      try {
        const rotated = await client.call('POST /api/v1/partner/webhooks/{id}/rotate-secret', {
          path: { id: endpoint.id },
          body: { graceSeconds: 3600 },
        });
        onSecret(rotated.secret);
        onChanged();
      } catch (error) {
        report(error);
      }
    });
  return (
    <li className="panel stack" data-testid="webhook-row">
      <p>
        <code>{endpoint.url}</code>{' '}
        <span className={`badge status-${endpoint.status}`}>{endpoint.status}</span>
      </p>
      <p className="muted small">
        {endpoint.eventTypes.join(', ')}
        {endpoint.description ? ` · ${endpoint.description}` : ''} · since{' '}
        {i18n.date(endpoint.createdAt)}
        {endpoint.previousSecretExpiresAt
          ? ` · the previous secret works until ${i18n.dateTime(endpoint.previousSecretExpiresAt)}`
          : ''}
      </p>
      <div className="actions">
        <button
          type="button"
          className="secondary small"
          disabled={busy}
          onClick={() => void rotate()}
        >
          Rotate the secret (1 hour's grace)
        </button>
        <button
          type="button"
          className="secondary small"
          disabled={busy}
          onClick={() => void toggle()}
        >
          {endpoint.status === 'active' ? 'Disable' : 'Enable'}
        </button>
      </div>
    </li>
  );
}

function Deliveries() {
  const i18n = useI18n();
  const { client } = useAuth();
  const report = useReport();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const deliveries = useLoader(
    (signal) =>
      client.call('GET /api/v1/partner/webhook-deliveries', { query: { limit: 50 }, signal }),
    [client],
    { refreshMs: 15_000 },
  );
  const again = (id: string) =>
    run(async () => {
      try {
        await client.call('POST /api/v1/partner/webhook-deliveries/{id}/redeliver', {
          path: { id },
        });
        notify('Queued to be sent again.', 'success');
        await deliveries.reload();
      } catch (error) {
        report(error);
      }
    });
  return (
    <section className="panel stack" aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Deliveries</h2>
      {deliveries.error ? (
        <p className="callout callout-error">{describeError(deliveries.error, i18n)}</p>
      ) : null}
      {deliveries.data && deliveries.data.items.length === 0 ? (
        <p className="muted">Nothing sent yet.</p>
      ) : null}
      {deliveries.data && deliveries.data.items.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">Deliveries</caption>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Attempts
              </th>
              <th scope="col">Last answer</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.items.map((d) => (
              <tr key={d.id}>
                <td>{i18n.dateTime(d.createdAt)}</td>
                <td>{d.eventType}</td>
                <td>
                  <span className={`badge status-${d.status}`}>{d.status}</span>
                </td>
                <td className="num">{d.attempts}</td>
                <td>{d.lastStatus ?? d.lastError ?? '–'}</td>
                <td>
                  {d.status === 'dead' ? (
                    <button
                      type="button"
                      className="link"
                      disabled={busy}
                      onClick={() => void again(d.id)}
                    >
                      Send again
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

export function WebhooksPage() {
  const i18n = useI18n();
  const { client } = useAuth();
  const report = useReport();
  const [busy, run] = useBusy();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<string[]>(['bet.settled']);
  const [secret, setSecret] = useState<string | null>(null);
  const endpoints = useLoader(
    (signal) => client.call('GET /api/v1/partner/webhooks', { signal }),
    [client],
  );
  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      try {
        const created = await client.call('POST /api/v1/partner/webhooks', {
          body: {
            url: url.trim(),
            eventTypes: types,
            ...(description.trim() ? { description: description.trim() } : {}),
          },
        });
        setSecret(created.secret);
        setUrl('');
        setDescription('');
        await endpoints.reload();
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <div className="page stack">
      <PageHeading>Webhooks</PageHeading>
      {endpoints.error ? (
        <p className="callout callout-error">{describeError(endpoints.error, i18n)}</p>
      ) : null}
      {endpoints.data && endpoints.data.items.length === 0 ? (
        <p className="muted">No endpoints yet.</p>
      ) : null}
      <ul className="plain-list">
        {endpoints.data?.items.map((e) => (
          <EndpointRow
            key={e.id}
            endpoint={e}
            onChanged={() => void endpoints.reload()}
            onSecret={setSecret}
          />
        ))}
      </ul>
      <form className="panel stack" onSubmit={create}>
        <h2>New endpoint</h2>
        <TextField
          label="URL (https)"
          type="url"
          required
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        <TextField
          label="Description (optional)"
          maxLength={200}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <fieldset className="stack">
          <legend>Events</legend>
          {EVENT_TYPES.map((type) => (
            <CheckboxField
              key={type}
              label={type}
              checked={types.includes(type)}
              onChange={(e) =>
                setTypes(e.target.checked ? [...types, type] : types.filter((t) => t !== type))
              }
            />
          ))}
        </fieldset>
        <SubmitButton
          busy={busy}
          busyLabel="Creating…"
          disabled={url.trim() === '' || types.length === 0}
        >
          Create endpoint
        </SubmitButton>
      </form>
      <Deliveries />
      <SecretDialog secret={secret} onClose={() => setSecret(null)} />
    </div>
  );
}
