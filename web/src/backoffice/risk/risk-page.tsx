// Risk: a player's stake factor (a factor on every maximum stake: 0 stops their betting) and
// cash-out block, with a note, and their safer-gambling limits; and a bet looked up by id with its settlement history, which
// staff holding bets:void may void with a reason.
import { type FormEvent, useState } from 'react';
import { isOutcomeUnknown } from '../../api/client.ts';
import { describeError } from '../../api/problems.ts';
import type { Bet } from '../../api/types.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { withIdempotencyKey } from '../../lib/keys.ts';
import { formatMinor } from '../../lib/money.ts';
import { navigate } from '../../lib/router.ts';
import { useAuth } from '../../ui/auth.tsx';
import { CheckboxField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { can } from '../permissions.ts';
import { PlayerSaferGambling } from './player-rg.tsx';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function Lookup() {
  const [player, setPlayer] = useState('');
  const [bet, setBet] = useState('');
  const { me } = useAuth();
  const go = (kind: 'player' | 'bet', id: string) => (event: FormEvent) => {
    event.preventDefault();
    if (UUID.test(id.trim())) navigate(`/risk/${kind}/${id.trim().toLowerCase()}`);
  };
  return (
    <div className="two-columns">
      {can(me, 'players:read') ? (
        <form className="panel stack" onSubmit={go('player', player)}>
          <h2>Player limits</h2>
          <TextField
            label="Player id"
            value={player}
            onChange={(e) => setPlayer(e.target.value)}
            hint="From the bet ticker, a bet, or support."
          />
          <button type="submit">Open</button>
        </form>
      ) : null}
      {can(me, 'bets:read') ? (
        <form className="panel stack" onSubmit={go('bet', bet)}>
          <h2>Bet</h2>
          <TextField label="Bet id" value={bet} onChange={(e) => setBet(e.target.value)} />
          <button type="submit">Open</button>
        </form>
      ) : null}
    </div>
  );
}

function PlayerRisk({ id }: { id: string }) {
  const i18n = useI18n();
  const { client, me } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const risk = useLoader(
    (signal) =>
      client.call('GET /api/v1/admin/players/{id}/betting-limits', { path: { id }, signal }),
    [client, id],
  );
  const [factor, setFactor] = useState<string | null>(null);
  const [blocked, setBlocked] = useState<boolean | null>(null);
  const [note, setNote] = useState<string | null>(null);
  if (!risk.data) {
    return risk.error ? (
      <p className="callout callout-error">{describeError(risk.error, i18n)}</p>
    ) : (
      <p className="muted">Loading…</p>
    );
  }
  const data = risk.data;
  const editable = can(me, 'players:limits');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      try {
        const saved = await client.call('PUT /api/v1/admin/players/{id}/betting-limits', {
          path: { id },
          body: {
            stakeFactor: (factor ?? data.stakeFactor).trim(),
            cashOutBlocked: blocked ?? data.cashOutBlocked,
            ...((note ?? data.note ?? '').trim() ? { note: (note ?? data.note ?? '').trim() } : {}),
          },
        });
        risk.setData(saved);
        setFactor(null);
        setBlocked(null);
        setNote(null);
        notify('Player limits saved.', 'success');
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <form className="panel stack" onSubmit={submit} data-testid="player-risk">
      <h2>
        Player <code>{id}</code>
      </h2>
      <fieldset disabled={!editable} className="stack">
        <TextField
          label="Stake factor"
          hint={'"1" no change, "0.5" halves every maximum stake, "0" stops betting.'}
          inputMode="decimal"
          value={factor ?? data.stakeFactor}
          onChange={(e) => setFactor(e.target.value)}
        />
        <CheckboxField
          label="Cash out blocked"
          checked={blocked ?? data.cashOutBlocked}
          onChange={(e) => setBlocked(e.target.checked)}
        />
        <TextField
          label="Note (why)"
          maxLength={500}
          value={note ?? data.note ?? ''}
          onChange={(e) => setNote(e.target.value)}
        />
      </fieldset>
      {data.updatedAt ? (
        <p className="muted small">
          Last changed {i18n.dateTime(data.updatedAt)}
          {data.updatedBy ? (
            <>
              {' '}
              by <code>{data.updatedBy}</code>
            </>
          ) : null}
          .
        </p>
      ) : (
        <p className="muted small">Default limits.</p>
      )}
      {editable ? (
        <SubmitButton busy={busy} busyLabel="Saving…">
          Save limits
        </SubmitButton>
      ) : null}
    </form>
  );
}

function BetDetail({ id }: { id: string }) {
  const i18n = useI18n();
  const { client, me } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [reason, setReason] = useState('');
  const detail = useLoader(
    (signal) => client.call('GET /api/v1/admin/bets/{id}', { path: { id }, signal }),
    [client, id],
  );
  if (!detail.data) {
    return detail.error ? (
      <p className="callout callout-error">{describeError(detail.error, i18n)}</p>
    ) : (
      <p className="muted">Loading…</p>
    );
  }
  const bet = detail.data.bet as unknown as Bet & { playerId: string };
  const money = (minor: string) => formatMinor(minor, bet.currency, 'en-GB');
  const voidBet = (event: FormEvent) => {
    event.preventDefault();
    const body = { reason: reason.trim() };
    void run(async () => {
      try {
        await withIdempotencyKey(
          `void:${bet.id}`,
          body,
          (idempotencyKey) =>
            client.call('POST /api/v1/admin/bets/{id}/void', {
              path: { id: bet.id },
              body,
              idempotencyKey,
            }),
          isOutcomeUnknown,
        );
        notify('The bet is void; its stake was returned.', 'success');
        setReason('');
        await detail.reload();
      } catch (error) {
        report(error, bet.currency);
      }
    });
  };
  return (
    <section className="panel stack" data-testid="bet-detail">
      <h2>
        {bet.kind}
        {bet.system ? ` ${bet.system}` : ''}{' '}
        <span className={`badge status-${bet.status}`}>{bet.status}</span>
      </h2>
      <p className="muted small">
        Bet <code>{bet.id}</code> · player{' '}
        <a href={`#/risk/player/${bet.playerId}`}>{bet.playerId}</a> · placed{' '}
        {i18n.dateTime(bet.placedAt)}
      </p>
      <ul>
        {bet.legs.map((l) => (
          <li key={l.selectionId}>
            {l.selectionName} @ {l.price}{' '}
            <span className="muted">
              ({l.marketName} · {l.eventName})
            </span>
          </li>
        ))}
      </ul>
      <p>
        Stake {money(bet.stake)} · potential payout {money(bet.potentialPayout)}
        {bet.payout !== null ? ` · paid ${money(bet.payout)}` : ''}
        {bet.reason ? ` · ${bet.reason}` : ''}
      </p>
      <h3>Settlements</h3>
      {detail.data.settlements.length === 0 ? <p className="muted">Not settled.</p> : null}
      <ol>
        {detail.data.settlements.map((s, i) => (
          <li key={`${String(s.version ?? i)}`}>
            {Object.entries(s)
              .filter(([, v]) => v !== null && typeof v !== 'object')
              .map(([k, v]) => `${k}: ${String(v)}`)
              .join(' · ')}
          </li>
        ))}
      </ol>
      {can(me, 'bets:void') &&
      (bet.status === 'open' ||
        bet.status === 'pending' ||
        bet.status === 'won' ||
        bet.status === 'lost') ? (
        <form className="stack" onSubmit={voidBet}>
          <TextField
            label="Reason for voiding (kept in the audit log)"
            required
            maxLength={500}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <SubmitButton busy={busy} busyLabel="Voiding…" disabled={reason.trim() === ''}>
            Void this bet
          </SubmitButton>
        </form>
      ) : null}
    </section>
  );
}

/** Everything iBet holds on a player (a data-subject or regulator request), as NDJSON. */
function ActivityExport({ id }: { id: string }) {
  const { client } = useAuth();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const download = () =>
    run(async () => {
      const token = client.tokens.get()?.accessToken;
      const response = await fetch(`/api/v1/admin/players/${id}/activity-export`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        cache: 'no-store',
      });
      if (!response.ok) {
        notify(`The export failed (${response.status}).`, 'error');
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `ibet-player-${id}.ndjson`;
      a.click();
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    });
  return (
    <p>
      <button type="button" className="secondary" disabled={busy} onClick={() => void download()}>
        Download the player's activity (NDJSON, audited)
      </button>
    </p>
  );
}

export function RiskPage({ kind, id }: { kind: string; id: string }) {
  const { me } = useAuth();
  return (
    <div className="page stack">
      <PageHeading>Risk</PageHeading>
      <Lookup />
      {kind === 'player' && UUID.test(id) ? <PlayerRisk key={id} id={id} /> : null}
      {kind === 'player' && UUID.test(id) && can(me, 'players:export') ? (
        <ActivityExport id={id} />
      ) : null}
      {kind === 'player' && UUID.test(id) && can(me, 'players:limits') ? (
        <PlayerSaferGambling key={`rg-${id}`} id={id} />
      ) : null}
      {kind === 'bet' && UUID.test(id) ? <BetDetail key={id} id={id} /> : null}
      <p>
        <a href="#/ticker">Live bets</a>
      </p>
    </div>
  );
}
