// Mail iBet has composed — address verification, password resets, lock warnings — as the
// captured mailer keeps it. Bodies are shown as text; web links in them become links (only
// http and https: a mail body is data, never markup).
import { type FormEvent, Fragment, useState } from 'react';
import { useI18n } from '../../lib/i18n.tsx';
import { useAuth } from '../../ui/auth.tsx';
import { formText, TextField } from '../../ui/forms.tsx';
import { useLoader } from '../../ui/hooks.ts';
import { PageHeading } from '../../ui/page.tsx';

const LINK = /(https?:\/\/[^\s<>"]+)/g;

export function MailBody({ text }: { text: string }) {
  const parts = text.split(LINK);
  return (
    <pre className="mail-body">
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one text, in order
          <a key={i} href={part} rel="noreferrer noopener">
            {part}
          </a>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one text, in order
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </pre>
  );
}

export function MailPage() {
  const i18n = useI18n();
  const { client } = useAuth();
  const [to, setTo] = useState('');
  const mail = useLoader(
    (signal) =>
      client.call('GET /api/v1/admin/mail', {
        query: { limit: 50, ...(to ? { to } : {}) },
        signal,
      }),
    [client, to],
    { refreshMs: 10_000 },
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTo(formText(new FormData(event.currentTarget), 'to'));
  };
  return (
    <div className="page">
      <PageHeading>Mail</PageHeading>
      <form className="panel filters" onSubmit={submit} aria-label="Filter">
        <TextField
          label="To"
          name="to"
          type="email"
          hint="The recipient's address (all mail when empty)."
        />
        <button type="submit">Show</button>
      </form>
      {mail.data && mail.data.items.length === 0 ? <p className="muted">No mail.</p> : null}
      <ol className="mail-list">
        {(mail.data?.items ?? []).map((m) => (
          <li key={m.id} className="panel" data-testid="mail">
            <details>
              <summary>
                <strong>{m.subject}</strong> <span className="muted">to {m.to}</span>{' '}
                <time className="muted small" dateTime={m.createdAt}>
                  {i18n.dateTime(m.createdAt)}
                </time>{' '}
                {m.sentAt ? (
                  <span className="badge badge-ok">sent</span>
                ) : (
                  <span className="badge">captured</span>
                )}
              </summary>
              <MailBody text={m.body} />
            </details>
          </li>
        ))}
      </ol>
    </div>
  );
}
