// Partner accounts (affiliates and B2B API clients): list and create with an initial password.
import { type FormEvent, useState } from 'react';
import { useI18n } from '../../lib/i18n.tsx';
import { useAuth } from '../../ui/auth.tsx';
import { formText, SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useCursorList } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';

export function PartnersPage() {
  const i18n = useI18n();
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [version, setVersion] = useState(0);
  const list = useCursorList(
    (cursor, signal) =>
      client.call('GET /api/v1/admin/partners', { query: { limit: 50, cursor }, signal }),
    [client, version],
  );
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    void run(async () => {
      try {
        const partner = await client.call('POST /api/v1/admin/partners', {
          body: {
            email: formText(data, 'email'),
            password: String(data.get('password') ?? ''),
            type: formText(data, 'type') === 'affiliate' ? 'affiliate' : 'b2b',
            companyName: formText(data, 'companyName'),
          },
        });
        notify(`${partner.companyName} can now sign in to the partner portal.`, 'success');
        form.reset();
        setVersion((v) => v + 1);
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <div className="page">
      <PageHeading>Partners</PageHeading>
      <details className="panel">
        <summary>New partner</summary>
        <form className="stack" onSubmit={submit}>
          <div className="field-row">
            <TextField label="Company" name="companyName" required maxLength={200} />
            <SelectField
              label="Type"
              name="type"
              options={[
                { value: 'b2b', label: 'B2B (API client)' },
                { value: 'affiliate', label: 'Affiliate' },
              ]}
            />
          </div>
          <div className="field-row">
            <TextField label="Email" name="email" type="email" required autoComplete="off" />
            <TextField
              label="Initial password"
              name="password"
              type="password"
              required
              minLength={12}
              maxLength={128}
              autoComplete="new-password"
              hint="12 characters or more; hand it over safely."
            />
          </div>
          <SubmitButton busy={busy} busyLabel="Creating…">
            Create partner
          </SubmitButton>
        </form>
      </details>
      <section className="panel" aria-labelledby="partners-heading">
        <h2 id="partners-heading">Partner accounts</h2>
        {!list.loading && list.items.length === 0 ? (
          <p className="muted">No partners yet.</p>
        ) : null}
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Company</th>
              <th scope="col">Type</th>
              <th scope="col">Email</th>
              <th scope="col">Status</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((p) => (
              <tr key={p.id}>
                <td>{p.companyName}</td>
                <td>{p.type}</td>
                <td>{p.email}</td>
                <td>{p.status}</td>
                <td>{i18n.date(p.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.hasMore ? (
          <button type="button" className="secondary" onClick={() => void list.loadMore()}>
            More partners
          </button>
        ) : null}
      </section>
    </div>
  );
}
