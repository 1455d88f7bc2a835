// Liability of one event: per market, what each selection would cost the book if it won
// (the potential net loss of the open bets on it), against its cap, as bars and as a table.
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { formatMinor } from '../../lib/money.ts';
import { useAuth } from '../../ui/auth.tsx';
import { BarChart } from '../../ui/charts.tsx';
import { useLoader } from '../../ui/hooks.ts';

export function LiabilityView({ eventId }: { eventId: string }) {
  const i18n = useI18n();
  const { client } = useAuth();
  const report = useLoader(
    (signal) =>
      client.call('GET /api/v1/admin/reports/events/{id}/liability', {
        path: { id: eventId },
        signal,
      }),
    [client, eventId],
    { refreshMs: 10_000 },
  );
  if (!report.data) {
    return report.error ? (
      <p className="callout callout-error">{describeError(report.error, i18n)}</p>
    ) : (
      <p className="muted" role="status">
        Loading the liability…
      </p>
    );
  }
  const { currency, markets } = report.data;
  const money = (minor: string | number | bigint) =>
    formatMinor(typeof minor === 'number' ? BigInt(Math.round(minor)) : minor, currency, 'en-GB');
  return (
    <section className="stack" aria-labelledby={`liability-${eventId}`} data-testid="liability">
      <h2 id={`liability-${eventId}`}>
        Liability <span className="muted">· {money(report.data.exposure)} over all markets</span>
      </h2>
      {markets.length === 0 ? <p className="muted">No markets.</p> : null}
      {markets.map((m) => (
        <div key={m.id} className="panel stack">
          <BarChart
            title={`${m.name} (${m.status}) · ${m.openBets} open bets · market ${money(m.exposure)}${m.cap ? ` of ${money(m.cap)}` : ''}`}
            bars={m.selections.map((s) => ({
              id: s.id,
              label: s.name,
              value: Number(s.exposure),
              cap: s.cap === null ? null : Number(s.cap),
            }))}
            format={(v) => money(v)}
          />
          <table className="table">
            <caption className="visually-hidden">Liability of {m.name}</caption>
            <thead>
              <tr>
                <th scope="col">Selection</th>
                <th scope="col" className="num">
                  Price
                </th>
                <th scope="col" className="num">
                  Open bets
                </th>
                <th scope="col" className="num">
                  Stakes
                </th>
                <th scope="col" className="num">
                  Liability
                </th>
                <th scope="col" className="num">
                  Cap
                </th>
              </tr>
            </thead>
            <tbody>
              {m.selections.map((s) => (
                <tr key={s.id}>
                  <th scope="row">{s.name}</th>
                  <td className="num">{s.price}</td>
                  <td className="num">{s.openBets}</td>
                  <td className="num">
                    {s.stakes.length === 0
                      ? '–'
                      : s.stakes.map((x) => formatMinor(x.stake, x.currency, 'en-GB')).join(' · ')}
                  </td>
                  <td className="num">{money(s.exposure)}</td>
                  <td className="num">{s.cap === null ? '–' : money(s.cap)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
