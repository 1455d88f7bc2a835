// The live bet ticker: every bet as it is placed, newest on top, read every few seconds (only
// the bets after the newest one shown), with stake, price, in-play flag and a link to the bet
// and the player's risk settings. New rows are marked for a moment.
import { useEffect, useRef, useState } from 'react';
import type { Result } from '../../api/operations.ts';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { formatMinor } from '../../lib/money.ts';
import { useAuth } from '../../ui/auth.tsx';
import { PageHeading } from '../../ui/page.tsx';

type TickerBet = Result<'GET /api/v1/admin/reports/bets'>['items'][number];

const POLL_MS = 3_000;
const KEEP = 200;

export function TickerPage() {
  const i18n = useI18n();
  const { client } = useAuth();
  const [bets, setBets] = useState<TickerBet[]>([]);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const [paused, setPaused] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const newest = useRef<string | undefined>(undefined);
  const seen = useRef(new Set<string>());

  useEffect(() => {
    if (paused) return;
    let stopped = false;
    const read = async () => {
      try {
        const page = await client.call('GET /api/v1/admin/reports/bets', {
          query: { limit: 100, ...(newest.current ? { after: newest.current } : {}) },
        });
        if (stopped) return;
        setError(null);
        setLoaded(true);
        // The newest bet shown comes again (bets at or after it): keep the ones not seen yet.
        const unseen = page.items.filter((b) => !seen.current.has(b.id));
        if (unseen.length === 0) return;
        for (const b of unseen) seen.current.add(b.id);
        const first = Boolean(newest.current);
        newest.current = page.items[0]?.placedAt ?? newest.current;
        setBets((old) => [...unseen, ...old].slice(0, KEEP));
        if (first) {
          setFresh(new Set(unseen.map((b) => b.id)));
          window.setTimeout(() => setFresh(new Set()), 2_500);
        }
      } catch (failure) {
        if (!stopped) setError(failure);
      }
    };
    void read();
    const timer = window.setInterval(() => {
      if (!document.hidden) void read();
    }, POLL_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [client, paused]);

  return (
    <div className="page">
      <PageHeading>Live bets</PageHeading>
      <p className="muted">
        Bets of the last day as they are placed, newest first (read every {POLL_MS / 1000} s).{' '}
        <button type="button" className="secondary small" onClick={() => setPaused((p) => !p)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </p>
      {error ? <p className="callout callout-error">{describeError(error, i18n)}</p> : null}
      {!loaded && !error ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : null}
      {loaded && bets.length === 0 ? <p className="muted">No bets in the last day yet.</p> : null}
      <table className="table ticker" data-testid="ticker">
        <caption className="visually-hidden">Latest bets</caption>
        <thead>
          <tr>
            <th scope="col">Placed</th>
            <th scope="col">Bet</th>
            <th scope="col">Selections</th>
            <th scope="col" className="num">
              Stake
            </th>
            <th scope="col" className="num">
              Potential payout
            </th>
            <th scope="col">Status</th>
            <th scope="col">Player</th>
          </tr>
        </thead>
        <tbody aria-live="polite" aria-relevant="additions">
          {bets.map((b) => (
            <tr key={b.id} className={fresh.has(b.id) ? 'row-new' : undefined}>
              <td>
                <time dateTime={b.placedAt}>{i18n.dateTime(b.placedAt)}</time>
              </td>
              <td>
                <a href={`#/risk/bet/${b.id}`}>
                  {b.kind}
                  {b.system ? ` ${b.system}` : ''}
                  {b.eachWay ? ' each-way' : ''}
                  {b.lines > 1 ? ` (${b.lines} lines)` : ''}
                </a>
                {b.inPlay ? <span className="badge badge-live">in play</span> : null}
              </td>
              <td>
                {b.legs.map((l) => (
                  <span
                    key={`${l.eventName}|${l.marketName}|${l.selectionName}`}
                    className="ticker-leg"
                  >
                    {l.selectionName} @ {l.price} <span className="muted">· {l.eventName}</span>
                  </span>
                ))}
              </td>
              <td className="num">{formatMinor(b.stake, b.currency, 'en-GB')}</td>
              <td className="num">{formatMinor(b.potentialPayout, b.currency, 'en-GB')}</td>
              <td>
                <span className={`badge status-${b.status}`}>{b.status}</span>
              </td>
              <td>
                <a href={`#/risk/player/${b.playerId}`} className="small">
                  {b.playerId.slice(0, 8)}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
