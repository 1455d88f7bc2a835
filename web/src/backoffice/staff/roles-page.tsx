// Built-in and custom roles. A custom role is a named set of permissions the creator holds;
// it never changes once created (to change what people may do, define a new role).
import { type FormEvent, useState } from 'react';
import { useAuth } from '../../ui/auth.tsx';
import { formText, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';

export function RolesPage() {
  const { client, me } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const roles = useLoader(() => client.call('GET /api/v1/admin/roles'), [client]);
  const [permissions, setPermissions] = useState<string[]>([]);
  // Only permissions one holds may go into a role.
  const grantable = me?.permissions ?? [];

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const description = formText(data, 'description');
    void run(async () => {
      try {
        const role = await client.call('POST /api/v1/admin/roles', {
          body: {
            name: formText(data, 'name'),
            ...(description ? { description } : {}),
            permissions,
          },
        });
        notify(`Role ${role.name} created.`, 'success');
        form.reset();
        setPermissions([]);
        await roles.reload();
      } catch (error) {
        report(error);
      }
    });
  };

  return (
    <div className="page">
      <PageHeading>Roles</PageHeading>
      <section className="panel" aria-labelledby="roles-heading">
        <h2 id="roles-heading">Roles and permissions</h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Permissions</th>
            </tr>
          </thead>
          <tbody>
            {(roles.data?.items ?? []).map((role) => (
              <tr key={role.name}>
                <td>
                  <strong>{role.name}</strong>{' '}
                  {role.builtIn ? (
                    <span className="badge">built-in</span>
                  ) : (
                    <span className="badge badge-ok">custom</span>
                  )}
                  {role.description ? (
                    <>
                      <br />
                      <span className="muted small">{role.description}</span>
                    </>
                  ) : null}
                </td>
                <td>
                  <span className="tags">
                    {role.permissions.map((p) => (
                      <code key={p} className="tag">
                        {p}
                      </code>
                    ))}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <details className="panel">
        <summary>New custom role</summary>
        <form className="stack" onSubmit={submit}>
          <div className="field-row">
            <TextField
              label="Name"
              name="name"
              required
              pattern="[a-z0-9_\-]{1,50}"
              hint="Lower-case letters, digits, - and _"
            />
            <TextField label="Description" name="description" maxLength={200} />
          </div>
          <fieldset>
            <legend>Permissions (only those you hold)</legend>
            <div className="check-grid">
              {grantable.map((p) => (
                <div className="check" key={p}>
                  <input
                    id={`perm-${p}`}
                    type="checkbox"
                    checked={permissions.includes(p)}
                    onChange={(e) =>
                      setPermissions(
                        e.target.checked ? [...permissions, p] : permissions.filter((x) => x !== p),
                      )
                    }
                  />
                  <label htmlFor={`perm-${p}`}>
                    <code>{p}</code>
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
          <SubmitButton busy={busy} busyLabel="Creating…" disabled={permissions.length === 0}>
            Create role
          </SubmitButton>
        </form>
      </details>
    </div>
  );
}
