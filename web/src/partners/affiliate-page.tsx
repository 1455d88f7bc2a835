// Affiliates: tracking links (create, copy, disable), the month's referral figures (clicks,
// sign-ups, first-time depositors, NGR per referred player) and the commission statements.
import { type FormEvent, useState } from 'react';
import { describeError } from '../api/problems.ts';
import { useI18n } from '../lib/i18n.tsx';
import { formatMinor } from '../lib/money.ts';
import { useAuth } from '../ui/auth.tsx';
import { CopyButton } from '../ui/copy.tsx';
import { SubmitButton, TextField } from '../ui/forms.tsx';
import { useBusy, useLoader } from '../ui/hooks.ts';
import { useNotify, useReport } from '../ui/notices.tsx';
import { PageHeading } from '../ui/page.tsx';

const thisMonth = () => new Date().toISOString().slice(0, 7);
const money = (minor: string, currency: string | null) =>
  currency ? formatMinor(minor, currency, 'en-GB') : minor;

function Links() {
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const i18n = useI18n();
  const [busy, run] = useBusy();
  const [name, setName] = useState('');
  const [landing, setLanding] = useState('');
  const links = useLoader(
    (signal) => client.call('GET /api/v1/partner/affiliate/links', { signal }),
    [client],
  );
  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      try {
        const link = await client.call('POST /api/v1/partner/affiliate/links', {
          body: { name: name.trim(), ...(landing.trim() ? { landingPath: landing.trim() } : {}) },
        });
        notify(`Link "${link.name}" created.`, 'success');
        setName('');
        setLanding('');
        await links.reload();
      } catch (error) {
        report(error);
      }
    });
  };
  const disable = (id: string) =>
    run(async () => {
      try {
        await client.call('POST /api/v1/partner/affiliate/links/{id}/disable', { path: { id } });
        await links.reload();
      } catch (error) {
        report(error);
      }
    });
  return (
    <section className="panel stack" aria-labelledby="links-heading">
      <h2 id="links-heading">Tracking links</h2>
      {links.error ? (
        <p className="callout callout-error">{describeError(links.error, i18n)}</p>
      ) : null}
      {links.data && links.data.items.length === 0 ? <p className="muted">No links yet.</p> : null}
      <ul className="plain-list" data-testid="affiliate-links">
        {links.data?.items.map((l) => (
          <li key={l.id}>
            <strong>{l.name}</strong> <span className={`badge status-${l.status}`}>{l.status}</span>
            <br />
            <code className="small">{l.url}</code> <CopyButton text={l.url} label="Copy the link" />{' '}
            {l.status === 'active' ? (
              <button
                type="button"
                className="link"
                disabled={busy}
                onClick={() => void disable(l.id)}
              >
                Disable
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <form className="filters" onSubmit={create}>
        <TextField
          label="Link name"
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <TextField
          label="Landing path (optional)"
          placeholder="/#/sport/football"
          value={landing}
          onChange={(e) => setLanding(e.target.value)}
        />
        <SubmitButton busy={busy} busyLabel="Creating…" disabled={name.trim() === ''}>
          Create link
        </SubmitButton>
      </form>
    </section>
  );
}

function Dashboard() {
  const { client } = useAuth();
  const i18n = useI18n();
  const [period, setPeriod] = useState(thisMonth);
  const valid = /^\d{4}-(0[1-9]|1[0-2])$/.test(period);
  const data = useLoader(
    (signal) =>
      client.call('GET /api/v1/partner/affiliate/dashboard', { query: { period }, signal }),
    [client, period],
    { enabled: valid },
  );
  const d = data.data;
  return (
    <section className="panel stack" aria-labelledby="dashboard-heading">
      <h2 id="dashboard-heading">Referrals</h2>
      <TextField
        label="Month"
        type="month"
        value={period}
        onChange={(e) => setPeriod(e.target.value)}
      />
      {data.error ? (
        <p className="callout callout-error">{describeError(data.error, i18n)}</p>
      ) : null}
      {d ? (
        <>
          <dl className="facts" data-testid="affiliate-figures">
            <div>
              <dt>Clicks</dt>
              <dd>{d.clicks}</dd>
            </div>
            <div>
              <dt>Unique visitors</dt>
              <dd>{d.uniqueVisitors}</dd>
            </div>
            <div>
              <dt>Sign-ups</dt>
              <dd>{d.signups}</dd>
            </div>
            <div>
              <dt>First-time depositors</dt>
              <dd>{d.firstTimeDepositors}</dd>
            </div>
            <div>
              <dt>NGR</dt>
              <dd>{money(d.ngr, d.currency)}</dd>
            </div>
            <div>
              <dt>Plan</dt>
              <dd>{d.plan ? `${d.plan.name} (${d.plan.type})` : 'none assigned yet'}</dd>
            </div>
          </dl>
          {d.links.length > 0 ? (
            <table className="table">
              <caption>By link</caption>
              <thead>
                <tr>
                  <th scope="col">Link</th>
                  <th scope="col" className="num">
                    Clicks
                  </th>
                  <th scope="col" className="num">
                    Sign-ups
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.links.map((l) => (
                  <tr key={l.linkId}>
                    <th scope="row">{l.name}</th>
                    <td className="num">{l.clicks}</td>
                    <td className="num">{l.signups}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {d.players.length > 0 ? (
            <table className="table">
              <caption>Referred players (anonymised)</caption>
              <thead>
                <tr>
                  <th scope="col">Player</th>
                  <th scope="col" className="num">
                    Turnover
                  </th>
                  <th scope="col" className="num">
                    GGR
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.players.map((p) => (
                  <tr key={p.playerId}>
                    <th scope="row">
                      <code>{p.playerId.slice(0, 8)}</code>
                    </th>
                    <td className="num">{money(p.turnover, d.currency)}</td>
                    <td className="num">{money(p.ggr, d.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : data.loading ? (
        <p className="muted">Loading…</p>
      ) : null}
    </section>
  );
}

function Statements() {
  const { client } = useAuth();
  const i18n = useI18n();
  const statements = useLoader(
    (signal) => client.call('GET /api/v1/partner/affiliate/statements', { signal }),
    [client],
  );
  return (
    <section className="panel stack" aria-labelledby="statements-heading">
      <h2 id="statements-heading">Commission statements</h2>
      {statements.error ? (
        <p className="callout callout-error">{describeError(statements.error, i18n)}</p>
      ) : null}
      {statements.data && statements.data.items.length === 0 ? (
        <p className="muted">No statements yet.</p>
      ) : null}
      {statements.data && statements.data.items.length > 0 ? (
        <table className="table" data-testid="affiliate-statements">
          <caption className="visually-hidden">Commission statements</caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col">Plan</th>
              <th scope="col" className="num">
                NGR
              </th>
              <th scope="col" className="num">
                Revenue share
              </th>
              <th scope="col" className="num">
                CPA
              </th>
              <th scope="col" className="num">
                Commission
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {statements.data.items.map((s) => {
              const status = (s as { status?: string }).status ?? '';
              return (
                <tr key={s.id}>
                  <th scope="row">{s.period}</th>
                  <td>{s.plan.name}</td>
                  <td className="num">{money(s.ngr, s.currency)}</td>
                  <td className="num">{money(s.revShare, s.currency)}</td>
                  <td className="num">{money(s.cpa, s.currency)}</td>
                  <td className="num">{money(s.commission, s.currency)}</td>
                  <td>{status}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

export function AffiliatePage() {
  return (
    <div className="page stack">
      <PageHeading>Affiliate</PageHeading>
      <Links />
      <Dashboard />
      <Statements />
    </div>
  );
}
