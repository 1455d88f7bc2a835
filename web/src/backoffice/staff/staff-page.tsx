// Staff members and their roles. Creating someone and changing roles are permission changes:
// they need a recent second-factor proof (the step-up dialog asks for a code when the server
// wants one), and may grant only what the granting person holds.
import { type FormEvent, useState } from 'react';
import type { Role, StaffMember } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { useAuth } from '../../ui/auth.tsx';
import { formText, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useCursorList, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { MIN_PASSWORD } from '../../ui/password.tsx';

function RolePicker({
  roles,
  selected,
  onChange,
  legend,
  idPrefix,
}: {
  roles: Role[];
  selected: string[];
  onChange: (roles: string[]) => void;
  legend: string;
  idPrefix: string;
}) {
  return (
    <fieldset className="role-picker">
      <legend>{legend}</legend>
      {roles.map((role) => (
        <div className="check" key={role.name}>
          <input
            id={`${idPrefix}-${role.name}`}
            type="checkbox"
            checked={selected.includes(role.name)}
            onChange={(e) =>
              onChange(
                e.target.checked
                  ? [...selected, role.name]
                  : selected.filter((r) => r !== role.name),
              )
            }
          />
          <label htmlFor={`${idPrefix}-${role.name}`}>
            <strong>{role.name}</strong>
            <span className="hint"> {role.permissions.join(', ')}</span>
          </label>
        </div>
      ))}
    </fieldset>
  );
}

function CreateStaff({ roles, onCreated }: { roles: Role[]; onCreated: () => void }) {
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [selected, setSelected] = useState<string[]>([]);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    void run(async () => {
      try {
        const member = await client.call('POST /api/v1/admin/staff', {
          body: {
            email: formText(data, 'email'),
            displayName: formText(data, 'displayName'),
            password: String(data.get('password') ?? ''),
            roles: selected,
          },
        });
        notify(
          `${member.displayName} can now sign in with roles ${member.roles.join(', ') || 'none'}.`,
          'success',
        );
        form.reset();
        setSelected([]);
        onCreated();
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <details className="panel">
      <summary>New staff member</summary>
      <form className="stack" onSubmit={submit}>
        <div className="field-row">
          <TextField label="Name" name="displayName" required maxLength={100} autoComplete="off" />
          <TextField label="Email" name="email" type="email" required autoComplete="off" />
        </div>
        <TextField
          label="Initial password"
          name="password"
          type="password"
          required
          minLength={MIN_PASSWORD.staff}
          maxLength={128}
          autoComplete="new-password"
          hint="At least 15 characters. Hand it over safely: they enrol their second factor at first sign-in."
        />
        <RolePicker
          roles={roles}
          selected={selected}
          onChange={setSelected}
          legend="Roles"
          idPrefix="new-staff-role"
        />
        <SubmitButton busy={busy} busyLabel="Creating…">
          Create staff member
        </SubmitButton>
      </form>
    </details>
  );
}

function StaffRow({
  member,
  roles,
  self,
  onChanged,
}: {
  member: StaffMember;
  roles: Role[];
  self: boolean;
  onChanged: (member: StaffMember) => void;
}) {
  const { client } = useAuth();
  const i18n = useI18n();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [editing, setEditing] = useState(false);
  const [selected, setSelected] = useState(member.roles);
  const save = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void run(async () => {
      try {
        const updated = await client.call('PUT /api/v1/admin/staff/{id}/roles', {
          path: { id: member.id },
          body: { roles: selected },
        });
        notify(
          `${updated.displayName}: roles ${updated.roles.join(', ') || 'none'}. Their sign-ins ended.`,
          'success',
        );
        setEditing(false);
        onChanged(updated);
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <tr>
      <td>
        <strong>{member.displayName}</strong>
        <br />
        <span className="muted small">{member.email}</span>
      </td>
      <td>
        {editing ? (
          <form className="stack" onSubmit={save}>
            <RolePicker
              roles={roles}
              selected={selected}
              onChange={setSelected}
              legend={`Roles of ${member.displayName}`}
              idPrefix={`roles-${member.id}`}
            />
            <div className="actions">
              <SubmitButton busy={busy} busyLabel="Saving…">
                Save roles
              </SubmitButton>
              <button type="button" className="secondary" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <span className="tags">
            {member.roles.length === 0 ? <span className="muted">none</span> : null}
            {member.roles.map((r) => (
              <span key={r} className="badge">
                {r}
              </span>
            ))}
          </span>
        )}
      </td>
      <td>{member.status}</td>
      <td>
        {member.mfaEnrolled ? (
          <span className="badge badge-ok">enrolled</span>
        ) : (
          <span className="badge badge-warn">not enrolled</span>
        )}
      </td>
      <td>{i18n.date(member.createdAt)}</td>
      <td>
        {self || editing ? null : (
          <button
            type="button"
            className="secondary small"
            onClick={() => {
              setSelected(member.roles);
              setEditing(true);
            }}
          >
            Change roles
          </button>
        )}
      </td>
    </tr>
  );
}

export function StaffPage() {
  const { client, me } = useAuth();
  const roles = useLoader(() => client.call('GET /api/v1/admin/roles'), [client]);
  const [version, setVersion] = useState(0);
  const list = useCursorList(
    (cursor, signal) =>
      client.call('GET /api/v1/admin/staff', { query: { limit: 50, cursor }, signal }),
    [client, version],
  );
  const [changed, setChanged] = useState<Record<string, StaffMember>>({});
  const roleList = roles.data?.items ?? [];
  return (
    <div className="page">
      <PageHeading>Staff</PageHeading>
      <CreateStaff roles={roleList} onCreated={() => setVersion((v) => v + 1)} />
      <section className="panel" aria-labelledby="staff-heading">
        <h2 id="staff-heading">Staff members</h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Who</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">Second factor</th>
              <th scope="col">Since</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((m) => (
              <StaffRow
                key={m.id}
                member={changed[m.id] ?? m}
                roles={roleList}
                self={m.id === me?.id}
                onChanged={(u) => setChanged((all) => ({ ...all, [u.id]: u }))}
              />
            ))}
          </tbody>
        </table>
        {list.hasMore ? (
          <button type="button" className="secondary" onClick={() => void list.loadMore()}>
            More staff
          </button>
        ) : null}
      </section>
    </div>
  );
}
