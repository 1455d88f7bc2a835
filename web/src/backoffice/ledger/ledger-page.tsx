// The ledger check: per currency every balance sums to zero, no cached balance drifts from
// its transfers, no player balance is negative.
import { useI18n } from '../../lib/i18n.tsx';
import { useAuth } from '../../ui/auth.tsx';
import { useLoader } from '../../ui/hooks.ts';
import { PageHeading } from '../../ui/page.tsx';

export function LedgerPage() {
  const i18n = useI18n();
  const { client } = useAuth();
  const report = useLoader(() => client.call('GET /api/v1/admin/ledger/check'), [client]);
  const r = report.data;
  const money = (minor: string, currency: string) => {
    try {
      return i18n.money(minor, currency);
    } catch {
      return `${minor} ${currency}`;
    }
  };
  return (
    <div className="page">
      <PageHeading>Ledger check</PageHeading>
      <div className="actions">
        <button type="button" onClick={() => void report.reload()} disabled={report.loading}>
          Check again
        </button>
      </div>
      {!r ? (
        <p className="muted">{report.loading ? 'Checking…' : 'The check could not run.'}</p>
      ) : (
        <>
          <p
            className={`callout ${r.ok ? 'callout-ok' : 'callout-error'}`}
            role="status"
            data-testid="ledger-status"
          >
            {r.ok
              ? 'The ledger holds: every currency sums to zero, no drift, no negative balance.'
              : 'The ledger does NOT hold: see below.'}
          </p>
          <section className="panel" aria-labelledby="currencies-heading">
            <h2 id="currencies-heading">Currencies</h2>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Currency</th>
                  <th scope="col" className="num">
                    Sum
                  </th>
                  <th scope="col" className="num">
                    Accounts
                  </th>
                  <th scope="col" className="num">
                    Transfers
                  </th>
                </tr>
              </thead>
              <tbody>
                {r.currencies.map((c) => (
                  <tr key={c.currency}>
                    <td>{c.currency}</td>
                    <td className="num">{money(c.sum, c.currency)}</td>
                    <td className="num">{i18n.number(c.accounts)}</td>
                    <td className="num">{i18n.number(c.transfers)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          {r.drift.length > 0 ? (
            <section className="panel" aria-labelledby="drift-heading">
              <h2 id="drift-heading">Balances that drift from their transfers</h2>
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Account</th>
                    <th scope="col">Kind</th>
                    <th scope="col" className="num">
                      Balance
                    </th>
                    <th scope="col" className="num">
                      Expected
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.drift.map((d) => (
                    <tr key={d.accountId}>
                      <td>
                        <code>{d.accountId}</code>
                      </td>
                      <td>{d.kind}</td>
                      <td className="num">{d.balance}</td>
                      <td className="num">{d.expected}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ) : null}
          {r.negative.length > 0 ? (
            <section className="panel" aria-labelledby="negative-heading">
              <h2 id="negative-heading">Negative player balances</h2>
              <ul>
                {r.negative.map((n) => (
                  <li key={n.accountId}>
                    <code>{n.accountId}</code>: {n.balance}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </>
      )}
    </div>
  );
}
