// The trading console's catalogue: sports and competitions, their upcoming and live events,
// and forms to create a sport, a competition and an event (with a first market).
import { type FormEvent, useState } from 'react';
import type { Sport } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { href, navigate } from '../../lib/router.ts';
import { useAuth } from '../../ui/auth.tsx';
import { formText, SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { can } from '../permissions.ts';
import { emptyMarket, type MarketDraft, MarketFields } from './market-form.tsx';
import { marketBody } from './templates.ts';

/** "2026-07-12T18:00" in the browser's zone → ISO 8601 in UTC. */
function localToIso(local: string): string | null {
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** A local datetime-local value some hours from now, on the hour. */
function inHours(hours: number): string {
  const date = new Date(Date.now() + hours * 3600_000);
  date.setMinutes(0, 0, 0);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:00`;
}

function NewSport({ onCreated }: { onCreated: () => void }) {
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const order = formText(data, 'displayOrder');
    void run(async () => {
      try {
        await client.call('POST /api/v1/admin/sports', {
          body: {
            slug: formText(data, 'slug'),
            name: formText(data, 'name'),
            ...(order ? { displayOrder: Number(order) } : {}),
          },
        });
        notify('Sport created.', 'success');
        form.reset();
        onCreated();
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <details className="panel">
      <summary>New sport</summary>
      <form className="stack" onSubmit={submit}>
        <div className="field-row">
          <TextField label="Name" name="name" required maxLength={100} />
          <TextField
            label="Slug"
            name="slug"
            required
            pattern="[a-z0-9\-]{1,50}"
            hint="Lower-case letters, digits and -, e.g. table-tennis"
          />
          <TextField label="Display order" name="displayOrder" type="number" min={0} max={10000} />
        </div>
        <SubmitButton busy={busy} busyLabel="Creating…">
          Create sport
        </SubmitButton>
      </form>
    </details>
  );
}

function NewCompetition({ sports, onCreated }: { sports: Sport[]; onCreated: () => void }) {
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const country = formText(data, 'country');
    void run(async () => {
      try {
        await client.call('POST /api/v1/admin/competitions', {
          body: {
            sportId: formText(data, 'sportId'),
            name: formText(data, 'name'),
            ...(country ? { country } : {}),
          },
        });
        notify('Competition created.', 'success');
        form.reset();
        onCreated();
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <details className="panel">
      <summary>New competition</summary>
      <form className="stack" onSubmit={submit}>
        <div className="field-row">
          <SelectField
            label="Sport"
            name="sportId"
            options={sports.map((s) => ({ value: s.id, label: s.name }))}
          />
          <TextField label="Name" name="name" required maxLength={100} />
          <TextField label="Country" name="country" maxLength={100} hint="Optional" />
        </div>
        <SubmitButton busy={busy} busyLabel="Creating…" disabled={sports.length === 0}>
          Create competition
        </SubmitButton>
      </form>
    </details>
  );
}

function NewEvent({ sports, defaultCompetition }: { sports: Sport[]; defaultCompetition: string }) {
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [home, setHome] = useState('');
  const [away, setAway] = useState('');
  const [withMarket, setWithMarket] = useState(true);
  const [market, setMarket] = useState<MarketDraft>(() => emptyMarket('match_result', '', ''));
  const competitions = sports.flatMap((s) =>
    s.competitions.map((c) => ({ value: c.id, label: `${s.name} · ${c.name}` })),
  );

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const startsAt = localToIso(formText(data, 'startsAt'));
    if (!startsAt) {
      notify('Enter when the event starts.', 'error');
      return;
    }
    const name = formText(data, 'name') || `${home.trim()} v ${away.trim()}`;
    void run(async () => {
      try {
        const created = await client.call('POST /api/v1/admin/events', {
          body: {
            competitionId: formText(data, 'competitionId'),
            name,
            ...(home.trim() ? { home: home.trim() } : {}),
            ...(away.trim() ? { away: away.trim() } : {}),
            startsAt,
            ...(withMarket
              ? { markets: [marketBody(market.type, market.name, market.line, market.selections)] }
              : {}),
          },
        });
        notify(`Event "${created.name}" created.`, 'success');
        navigate(`/trading/event/${created.id}`);
      } catch (error) {
        report(error);
      }
    });
  };

  return (
    <details className="panel" open>
      <summary>New event</summary>
      <form className="stack" onSubmit={submit}>
        <SelectField
          label="Competition"
          name="competitionId"
          defaultValue={defaultCompetition}
          options={competitions}
        />
        <div className="field-row">
          <TextField
            label="Home"
            name="home"
            value={home}
            maxLength={200}
            onChange={(e) => {
              setHome(e.target.value);
              if (market.type === 'match_result' || market.type === 'money_line') {
                setMarket(withNames(market, e.target.value, away));
              }
            }}
          />
          <TextField
            label="Away"
            name="away"
            value={away}
            maxLength={200}
            onChange={(e) => {
              setAway(e.target.value);
              if (market.type === 'match_result' || market.type === 'money_line') {
                setMarket(withNames(market, home, e.target.value));
              }
            }}
          />
        </div>
        <div className="field-row">
          <TextField label="Event name" name="name" maxLength={200} hint="Default: Home v Away" />
          <TextField
            label="Starts at (your time)"
            name="startsAt"
            type="datetime-local"
            defaultValue={inHours(24)}
            required
          />
        </div>
        <div className="check">
          <input
            id="with-market"
            type="checkbox"
            checked={withMarket}
            onChange={(e) => setWithMarket(e.target.checked)}
          />
          <label htmlFor="with-market">Open it with a market</label>
        </div>
        {withMarket ? (
          <MarketFields
            idPrefix="new-event-market"
            draft={market}
            onChange={setMarket}
            home={home}
            away={away}
          />
        ) : null}
        <SubmitButton busy={busy} busyLabel="Creating…" disabled={competitions.length === 0}>
          Create event
        </SubmitButton>
      </form>
    </details>
  );
}

/** The first and last selection of a home/away template take the teams' names. */
function withNames(draft: MarketDraft, home: string, away: string): MarketDraft {
  const selections = draft.selections.map((s) =>
    s.outcome === 'home'
      ? { ...s, name: home || 'Home' }
      : s.outcome === 'away'
        ? { ...s, name: away || 'Away' }
        : s,
  );
  return { ...draft, selections };
}

function OpenById() {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const id = formText(new FormData(event.currentTarget), 'eventId');
    if (id) navigate(`/trading/event/${id}`);
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <TextField
        label="Open an event by id"
        name="eventId"
        pattern="[0-9a-fA-F\-]{36}"
        hint="Started and ended events are not listed here: open them by id."
      />
      <button type="submit" className="secondary">
        Open
      </button>
    </form>
  );
}

export function TradingPage() {
  const i18n = useI18n();
  const { client, me } = useAuth();
  const [competitionId, setCompetitionId] = useState('');
  const sports = useLoader(() => client.call('GET /api/v1/sports'), [client]);
  const events = useLoader(
    (signal) =>
      client.call('GET /api/v1/events', {
        query: { limit: 100, ...(competitionId ? { competitionId } : {}) },
        signal,
      }),
    [client, competitionId],
    { refreshMs: 15_000 },
  );
  const writer = can(me, 'catalog:write');
  const list = sports.data ?? [];

  return (
    <div className="page">
      <PageHeading>Trading</PageHeading>
      <div className="trading-grid">
        <section className="panel" aria-labelledby="catalogue-heading">
          <h2 id="catalogue-heading">Catalogue</h2>
          <ul className="tree">
            <li>
              <button
                type="button"
                className="link"
                aria-pressed={competitionId === ''}
                onClick={() => setCompetitionId('')}
              >
                All upcoming and live events
              </button>
            </li>
            {list.map((sport) => (
              <li key={sport.id}>
                <strong>{sport.name}</strong> <span className="muted">({sport.slug})</span>
                <ul>
                  {sport.competitions.map((c) => (
                    <li key={c.id}>
                      <button
                        type="button"
                        className="link"
                        aria-pressed={competitionId === c.id}
                        onClick={() => setCompetitionId(c.id)}
                      >
                        {c.name}
                      </button>{' '}
                      <span className="muted">{c.upcomingEvents}</span>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
          <OpenById />
        </section>
        <section className="panel" aria-labelledby="events-heading">
          <h2 id="events-heading">Events</h2>
          {events.loading && !events.data ? <p className="muted">Loading…</p> : null}
          {events.data && events.data.items.length === 0 ? (
            <p className="muted">No upcoming or live events here.</p>
          ) : null}
          {events.data && events.data.items.length > 0 ? (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Starts</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Markets
                  </th>
                </tr>
              </thead>
              <tbody>
                {events.data.items.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <a href={href('trading', 'event', e.id)}>{e.name}</a>
                      <br />
                      <span className="muted small">{e.competition.name}</span>
                    </td>
                    <td>
                      <time dateTime={e.startsAt}>{i18n.dateTime(e.startsAt)}</time>
                    </td>
                    <td>
                      <span className={`badge status-${e.status}`}>{e.status}</span>
                    </td>
                    <td className="num">{e.markets.length}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      </div>
      {writer ? (
        <div className="stack">
          <NewEvent sports={list} defaultCompetition={competitionId} />
          <NewCompetition sports={list} onCreated={() => void sports.reload()} />
          <NewSport onCreated={() => void sports.reload()} />
        </div>
      ) : null}
    </div>
  );
}
