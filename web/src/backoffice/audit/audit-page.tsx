// The audit log with its hash chains verified on request; records newest first, filtered by action (or its prefix, e.g. "auth"), actor or
// target; older records page by page.
import { type FormEvent, useEffect, useState } from 'react';
import type { AuditRecord } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { useAuth } from '../../ui/auth.tsx';
import { formText, TextField } from '../../ui/forms.tsx';
import { useBusy } from '../../ui/hooks.ts';
import { useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { ChainCheck } from './chain-check.tsx';

interface Filters {
  action?: string;
  actorId?: string;
  targetId?: string;
}

const PAGE = 50;

export function AuditPage() {
  const i18n = useI18n();
  const { client } = useAuth();
  const report = useReport();
  const [busy, run] = useBusy();
  const [filters, setFilters] = useState<Filters>({});
  const [records, setRecords] = useState<AuditRecord[]>([]);
  const [more, setMore] = useState(false);

  const load = (next: Filters, before?: string) =>
    run(async () => {
      try {
        const page = await client.call('GET /api/v1/admin/audit', {
          query: { ...next, limit: PAGE, ...(before ? { before } : {}) },
        });
        setRecords((current) => (before ? [...current, ...page.items] : page.items));
        setMore(page.items.length === PAGE);
      } catch (error) {
        report(error);
      }
    });

  // biome-ignore lint/correctness/useExhaustiveDependencies: first page once, on arrival
  useEffect(() => {
    void load({});
  }, []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const next: Filters = {};
    for (const name of ['action', 'actorId', 'targetId'] as const) {
      const value = formText(data, name);
      if (value) next[name] = value;
    }
    setFilters(next);
    void load(next);
  };

  return (
    <div className="page">
      <PageHeading>Audit log</PageHeading>
      <ChainCheck />
      <form className="panel filters" onSubmit={submit} aria-label="Filters">
        <TextField
          label="Action"
          name="action"
          hint="An action or its prefix, e.g. auth or staff."
        />
        <TextField label="Actor id" name="actorId" pattern="[0-9a-fA-F\-]{36}" />
        <TextField label="Target id" name="targetId" pattern="[0-9a-fA-F\-]{36}" />
        <button type="submit" disabled={busy}>
          Filter
        </button>
      </form>
      <section className="panel" aria-labelledby="audit-heading">
        <h2 id="audit-heading">Records</h2>
        {!busy && records.length === 0 ? <p className="muted">No records.</p> : null}
        <table className="table audit">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">From</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <tr key={r.id}>
                <td>
                  <time dateTime={r.at}>{i18n.dateTime(r.at)}</time>
                </td>
                <td>
                  <code>{r.action}</code>
                </td>
                <td>
                  <span className={`badge ${r.outcome === 'success' ? 'badge-ok' : 'badge-warn'}`}>
                    {r.outcome}
                  </span>
                </td>
                <td className="small">
                  {r.actorKind ?? '–'}
                  {r.actorId ? (
                    <>
                      <br />
                      <code>{r.actorId}</code>
                    </>
                  ) : null}
                </td>
                <td className="small">
                  {r.targetType ?? '–'}
                  {r.targetId ? (
                    <>
                      <br />
                      <code>{r.targetId}</code>
                    </>
                  ) : null}
                </td>
                <td className="small">
                  {r.ip ?? '–'}
                  {r.requestId ? (
                    <>
                      <br />
                      <span className="muted">{r.requestId}</span>
                    </>
                  ) : null}
                </td>
                <td>
                  {Object.keys(r.details).length > 0 ? (
                    <details>
                      <summary>Show</summary>
                      <pre className="json">{JSON.stringify(r.details, null, 2)}</pre>
                    </details>
                  ) : (
                    '–'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {more ? (
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => void load(filters, records.at(-1)?.id)}
          >
            Older records
          </button>
        ) : null}
      </section>
    </div>
  );
}
