// The support desk: find a player by email (prefix), display name or id; their profile —
// account, KYC, exclusion, balances, open bets — with links to the other screens about them,
// their cash movements (the player's own history listing, with the same filters), and the
// support notes on their account, which staff holding players:notes add to.
import { type FormEvent, useState } from 'react';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { formatMinor } from '../../lib/money.ts';
import { navigate } from '../../lib/router.ts';
import { useAuth } from '../../ui/auth.tsx';
import { SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useCursorList, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import {
  TransactionFilters,
  TransactionsTable,
  useTransactionFilter,
} from '../../ui/transactions.tsx';
import { can } from '../permissions.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOTE_MAX = 2000;
// Emails and references are long and have no spaces: they wrap rather than widen a phone's page.
const WRAP = { overflowWrap: 'anywhere' } as const;

function Search({ initial }: { initial: string }) {
  const i18n = useI18n();
  const { client } = useAuth();
  const [text, setText] = useState(initial);
  const [q, setQ] = useState(initial);
  const results = useCursorList(
    (cursor, signal) =>
      client.call('GET /api/v1/admin/players', {
        query: { q, limit: 25, ...(cursor ? { cursor } : {}) },
        signal,
      }),
    [client, q],
    { enabled: q !== '' },
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const term = text.trim();
    setQ(term);
    navigate(term ? `/support?q=${encodeURIComponent(term)}` : '/support');
  };
  return (
    <section className="panel stack" aria-label={i18n.t('support.search')}>
      <form className="actions" onSubmit={submit}>
        <TextField
          label={i18n.t('support.search')}
          hint={i18n.t('support.searchHint')}
          type="search"
          maxLength={254}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" disabled={text.trim() === ''}>
          {i18n.t('support.find')}
        </button>
      </form>
      {results.error ? (
        <p className="callout callout-error">{describeError(results.error, i18n)}</p>
      ) : null}
      {q && !results.loading && results.items.length === 0 && !results.error ? (
        <p className="muted">{i18n.t('support.noMatch')}</p>
      ) : null}
      {results.items.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">{i18n.t('support.results')}</caption>
          <thead>
            <tr>
              <th scope="col">{i18n.t('support.player')}</th>
              <th scope="col">{i18n.t('support.country')}</th>
              <th scope="col">{i18n.t('support.status')}</th>
              <th scope="col">{i18n.t('support.kyc')}</th>
              <th scope="col">{i18n.t('support.since')}</th>
            </tr>
          </thead>
          <tbody>
            {results.items.map((p) => (
              <tr key={p.id}>
                <td>
                  <a href={`#/support/${p.id}`}>
                    <strong>{p.displayName}</strong>
                  </a>
                  <br />
                  <span className="muted small" style={WRAP}>
                    {p.email}
                  </span>
                </td>
                <td>
                  {p.country ?? '–'} · {p.currency ?? '–'}
                </td>
                <td>
                  <span className={p.status === 'active' ? 'badge badge-ok' : 'badge badge-warn'}>
                    {p.status}
                  </span>
                </td>
                <td>{p.kycStatus}</td>
                <td>{i18n.date(p.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {results.hasMore ? (
        <button
          type="button"
          className="secondary"
          disabled={results.loading}
          onClick={() => void results.loadMore()}
        >
          {i18n.t('support.more')}
        </button>
      ) : null}
    </section>
  );
}

function AddNote({ id, onAdded }: { id: string; onAdded: () => void }) {
  const i18n = useI18n();
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [text, setText] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      try {
        await client.call('POST /api/v1/admin/players/{id}/notes', {
          path: { id },
          body: { text: text.trim() },
        });
        setText('');
        notify(i18n.t('support.noteAdded'), 'success');
        onAdded();
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <form className="stack" onSubmit={submit}>
      <div className="field">
        <label htmlFor={`note-${id}`}>{i18n.t('support.newNote')}</label>
        <textarea
          id={`note-${id}`}
          aria-describedby={`note-${id}-hint`}
          rows={3}
          maxLength={NOTE_MAX}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <p id={`note-${id}-hint`} className="hint">
          {i18n.t('support.noteHint', { max: NOTE_MAX })}
        </p>
      </div>
      <SubmitButton busy={busy} busyLabel={i18n.t('common.saving')} disabled={text.trim() === ''}>
        {i18n.t('support.addNote')}
      </SubmitButton>
    </form>
  );
}

/** The player's cash movements: the period is asked of the server, the kind filtered here. */
function Transactions({ id }: { id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const filter = useTransactionFilter();
  const list = useCursorList(
    (cursor, signal) =>
      client.call('GET /api/v1/admin/players/{id}/transactions', {
        path: { id },
        query: { ...filter.query, limit: 50, ...(cursor ? { cursor } : {}) },
        signal,
      }),
    [client, id, filter.key],
  );
  const shown = list.items.filter(filter.shows);
  return (
    <section className="panel stack" aria-labelledby="support-transactions">
      <h2 id="support-transactions">{t('support.transactions')}</h2>
      <TransactionFilters filter={filter} label={t('support.transactionFilters')} />
      {list.loading && list.items.length === 0 ? (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      ) : null}
      {list.error ? (
        <p className="callout callout-error">{describeError(list.error, i18n)}</p>
      ) : null}
      {!list.loading && !list.error && shown.length === 0 ? (
        <p className="muted">{t('support.noTransactions')}</p>
      ) : null}
      {shown.length > 0 ? (
        <TransactionsTable
          items={shown}
          caption={t('support.transactions')}
          testId="support-transactions"
          references
        />
      ) : null}
      {list.hasMore ? (
        <button
          type="button"
          className="secondary"
          disabled={list.loading}
          onClick={() => void list.loadMore()}
        >
          {t('wallet.olderMovements')}
        </button>
      ) : null}
    </section>
  );
}

function Profile({ id }: { id: string }) {
  const i18n = useI18n();
  const { client, me } = useAuth();
  const profile = useLoader(
    (signal) => client.call('GET /api/v1/admin/players/{id}', { path: { id }, signal }),
    [client, id],
  );
  if (!profile.data) {
    return profile.error ? (
      <p className="callout callout-error">{describeError(profile.error, i18n)}</p>
    ) : (
      <p className="muted">{i18n.t('common.loading')}</p>
    );
  }
  const p = profile.data;
  const money = (minor: string) => formatMinor(minor, p.balances?.currency ?? 'EUR', i18n.locale);
  return (
    <section className="stack" data-testid="support-profile">
      <div className="panel stack">
        <h2>
          {p.displayName}{' '}
          <span className="muted small" style={WRAP}>
            {p.email}
          </span>
        </h2>
        <dl className="facts">
          <dt>{i18n.t('support.playerId')}</dt>
          <dd>
            <code>{p.id}</code>
          </dd>
          <dt>{i18n.t('support.status')}</dt>
          <dd>
            {p.status}
            {p.exclusion
              ? ` (${p.exclusion.kind}${p.exclusion.endsAt ? `, ${i18n.t('support.until', { date: i18n.dateTime(p.exclusion.endsAt) })}` : ''})`
              : ''}
          </dd>
          <dt>{i18n.t('support.emailVerified')}</dt>
          <dd>{p.emailVerified ? i18n.t('support.yes') : i18n.t('support.no')}</dd>
          <dt>{i18n.t('support.kyc')}</dt>
          <dd>{p.kycStatus}</dd>
          <dt>{i18n.t('support.country')}</dt>
          <dd>
            {p.country ?? '–'} · {p.currency ?? '–'}
          </dd>
          <dt>{i18n.t('support.since')}</dt>
          <dd>{i18n.dateTime(p.createdAt)}</dd>
          <dt>{i18n.t('support.openBets')}</dt>
          <dd>{p.openBets}</dd>
        </dl>
      </div>
      <div className="panel stack">
        <h2>{i18n.t('support.balances')}</h2>
        {p.balances ? (
          <dl className="facts">
            <dt>{i18n.t('support.cash')}</dt>
            <dd>{money(p.balances.cash)}</dd>
            <dt>{i18n.t('support.inBets')}</dt>
            <dd>{money(p.balances.inBets)}</dd>
            <dt>{i18n.t('support.bonus')}</dt>
            <dd>{money(p.balances.bonus)}</dd>
          </dl>
        ) : (
          <p className="muted">{i18n.t('support.noWallet')}</p>
        )}
      </div>
      <nav className="panel" aria-label={i18n.t('support.elsewhere')}>
        <ul className="plain-list">
          {can(me, 'players:read') || can(me, 'bets:read') ? (
            <li>
              <a href={`#/risk/player/${p.id}`}>{i18n.t('support.linkRisk')}</a>
            </li>
          ) : null}
          {can(me, 'kyc:review') ? (
            <li>
              <a href={`#/kyc/${p.id}`}>{i18n.t('support.linkKyc')}</a>
            </li>
          ) : null}
          {can(me, 'players:export') ? (
            <li>
              <a href={`#/risk/player/${p.id}`}>{i18n.t('support.linkExport')}</a>
            </li>
          ) : null}
        </ul>
      </nav>
      <Transactions id={p.id} />
      <div className="panel stack">
        <h2>{i18n.t('support.notes')}</h2>
        {can(me, 'players:notes') ? (
          <AddNote id={p.id} onAdded={() => void profile.reload()} />
        ) : null}
        {p.notes.length === 0 ? <p className="muted">{i18n.t('support.noNotes')}</p> : null}
        <ul className="plain-list stack">
          {p.notes.map((n) => (
            <li key={n.id}>
              <p className="muted small">
                {i18n.dateTime(n.createdAt)} · {n.authorName ?? n.authorId}
              </p>
              <p style={{ whiteSpace: 'pre-wrap' }}>{n.text}</p>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}

export function SupportPage({ playerId, query }: { playerId: string; query: string }) {
  const i18n = useI18n();
  return (
    <div className="page stack">
      <PageHeading>{i18n.t('support.title')}</PageHeading>
      <Search initial={query} />
      {UUID.test(playerId) ? <Profile key={playerId} id={playerId} /> : null}
    </div>
  );
}
