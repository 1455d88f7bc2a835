// Safer gambling: the player's own limits (deposit and loss per day, week or month, and a
// session time limit: lower binds at once, higher or removed after the cooling-off), reality
// checks every few minutes (the pop-up below shows time played and the money staked, returned
// and net, and offers to stop), a time-out, self-exclusion, and identity documents (KYC).
import { type FormEvent, useEffect, useState } from 'react';
import type { Result } from '../../api/operations.ts';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { currencyExponent, parseMajorToMinor } from '../../lib/money.ts';
import { navigate } from '../../lib/router.ts';
import { useAuth } from '../../ui/auth.tsx';
import { Dialog } from '../../ui/dialog.tsx';
import { SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';

type Overview = Result<'GET /api/v1/me/responsible-gambling'>;
type Limit = Overview['limits'][number];
type Kind = Limit['kind'];
type Period = Limit['period'];
type DocumentKind = 'passport' | 'id_card' | 'driving_licence' | 'proof_of_address';

const KINDS: Kind[] = ['deposit', 'loss', 'session'];
const DOCUMENT_KINDS: DocumentKind[] = [
  'passport',
  'id_card',
  'driving_licence',
  'proof_of_address',
];
const INTERVALS = [15, 30, 45, 60, 90, 120];

function LimitForm({ overview, onSaved }: { overview: Overview; onSaved: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [kind, setKind] = useState<Kind>('deposit');
  const periods = (
    kind === 'session' ? ['session'] : overview.options.limitPeriods.filter((p) => p !== 'session')
  ) as Period[];
  const [period, setPeriod] = useState<Period>('month');
  const [amount, setAmount] = useState('');
  const currency = overview.jurisdiction.currency;
  const effectivePeriod = periods.includes(period) ? period : (periods[0] ?? 'day');
  const save = (value: string | null) =>
    run(async () => {
      try {
        const answer = await client.call('PUT /api/v1/me/limits', {
          body: { kind, period: effectivePeriod, amount: value },
        });
        notify(
          answer.effect === 'pending'
            ? t('rg.limitPending', { hours: overview.options.coolingOffHours })
            : answer.effect === 'unchanged'
              ? t('rg.limitUnchanged')
              : t('rg.limitSaved'),
          'success',
        );
        setAmount('');
        onSaved();
      } catch (error) {
        report(error, currency);
      }
    });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value =
      kind === 'session'
        ? /^[1-9][0-9]{0,4}$/.test(amount.trim())
          ? amount.trim()
          : null
        : parseMajorToMinor(amount, currencyExponent(currency));
    if (value === null || value === '0') {
      notify(kind === 'session' ? t('rg.minutesHint') : t('rg.amountHint'), 'error');
      return;
    }
    void save(value);
  };
  return (
    <form className="stack" onSubmit={submit} aria-labelledby="limit-form-heading">
      <h3 id="limit-form-heading">{t('rg.setLimit')}</h3>
      <div className="filters">
        <SelectField
          label={t('rg.kind')}
          value={kind}
          onChange={(e) => setKind(e.target.value as Kind)}
          options={KINDS.map((k) => ({ value: k, label: t(`rg.kind.${k}`) }))}
        />
        <SelectField
          label={t('rg.period')}
          value={effectivePeriod}
          onChange={(e) => setPeriod(e.target.value as Period)}
          options={periods.map((p) => ({ value: p, label: t(`rg.period.${p}`) }))}
        />
        <TextField
          label={kind === 'session' ? t('rg.minutes') : t('rg.amount', { currency })}
          inputMode={kind === 'session' ? 'numeric' : 'decimal'}
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
      </div>
      <div className="actions">
        <SubmitButton busy={busy} busyLabel={t('common.saving')}>
          {t('rg.saveLimit')}
        </SubmitButton>
        {overview.limits.some((l) => l.kind === kind && l.period === effectivePeriod) ? (
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => void save(null)}
          >
            {t('rg.removeLimit')}
          </button>
        ) : null}
      </div>
      <p className="hint">{t('rg.coolingOff', { hours: overview.options.coolingOffHours })}</p>
    </form>
  );
}

function Limits({ overview, onSaved }: { overview: Overview; onSaved: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const currency = overview.jurisdiction.currency;
  const show = (l: Limit, amount: string | null) =>
    amount === null
      ? t('rg.none')
      : l.kind === 'session'
        ? t('rg.minutesValue', { minutes: amount })
        : i18n.money(amount, currency);
  return (
    <section className="panel stack" aria-labelledby="limits-heading">
      <h2 id="limits-heading">{t('rg.limits')}</h2>
      {overview.limits.length === 0 ? <p className="muted">{t('rg.noLimits')}</p> : null}
      {overview.limits.length > 0 ? (
        <table className="table" data-testid="rg-limits">
          <caption className="visually-hidden">{t('rg.limits')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('rg.kind')}</th>
              <th scope="col">{t('rg.period')}</th>
              <th scope="col" className="num">
                {t('rg.limit')}
              </th>
              <th scope="col">{t('rg.change')}</th>
            </tr>
          </thead>
          <tbody>
            {overview.limits.map((l) => (
              <tr key={`${l.kind}-${l.period}`}>
                <td>{t(`rg.kind.${l.kind}`)}</td>
                <td>{t(`rg.period.${l.period}`)}</td>
                <td className="num">{show(l, l.amount)}</td>
                <td>
                  {l.pending
                    ? t('rg.pendingChange', {
                        amount: show(l, l.pending.amount),
                        from: i18n.dateTime(l.pending.from),
                      })
                    : '–'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <LimitForm overview={overview} onSaved={onSaved} />
    </section>
  );
}

function RealityCheckSettings({ overview, onSaved }: { overview: Overview; onSaved: () => void }) {
  const { t } = useI18n();
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const current = overview.realityCheck.intervalMinutes;
  const options = [
    ...(overview.realityCheck.mayTurnOff ? [{ value: '', label: t('rg.realityOff') }] : []),
    ...[...new Set([...INTERVALS, ...(current ? [current] : [])])]
      .sort((a, b) => a - b)
      .map((m) => ({ value: String(m), label: t('rg.everyMinutes', { minutes: m }) })),
  ];
  const change = (value: string) =>
    run(async () => {
      try {
        await client.call('PUT /api/v1/me/reality-check', {
          body: { intervalMinutes: value === '' ? null : Number(value) },
        });
        notify(t('rg.realitySaved'), 'success');
        onSaved();
      } catch (error) {
        report(error);
      }
    });
  return (
    <section className="panel stack" aria-labelledby="reality-heading">
      <h2 id="reality-heading">{t('rg.realityCheck')}</h2>
      <p className="muted">{t('rg.realityText')}</p>
      <SelectField
        label={t('rg.realityInterval')}
        value={current === null ? '' : String(current)}
        disabled={busy}
        onChange={(e) => void change(e.target.value)}
        options={options}
      />
    </section>
  );
}

function Breaks({ overview, onSaved }: { overview: Overview; onSaved: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client, signOut } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [hours, setHours] = useState(String(Math.max(24, overview.options.timeOut.minHours)));
  const [period, setPeriod] = useState(overview.options.selfExclusionPeriods[0] ?? '6m');
  const [confirming, setConfirming] = useState<'time-out' | 'exclusion' | null>(null);
  const go = () =>
    run(async () => {
      try {
        const exclusion =
          confirming === 'time-out'
            ? await client.call('POST /api/v1/me/time-out', { body: { hours: Number(hours) } })
            : await client.call('POST /api/v1/me/self-exclusion', {
                body: { period: period as '6m' | '1y' | '5y' | 'permanent' },
              });
        setConfirming(null);
        notify(
          exclusion.endsAt
            ? t('rg.breakUntil', { until: i18n.dateTime(exclusion.endsAt) })
            : t('rg.breakPermanent'),
          'success',
        );
        onSaved();
        await signOut();
        navigate('/');
      } catch (error) {
        setConfirming(null);
        report(error);
      }
    });
  if (overview.exclusion) {
    return (
      <section className="panel stack" aria-labelledby="break-heading">
        <h2 id="break-heading">{t('rg.takeBreak')}</h2>
        <p className="callout callout-warn">
          {overview.exclusion.endsAt
            ? t('rg.breakUntil', { until: i18n.dateTime(overview.exclusion.endsAt) })
            : t('rg.breakPermanent')}
        </p>
      </section>
    );
  }
  return (
    <section className="panel stack" aria-labelledby="break-heading">
      <h2 id="break-heading">{t('rg.takeBreak')}</h2>
      <div className="two-columns">
        <div className="stack">
          <TextField
            label={t('rg.timeOutHours', {
              min: overview.options.timeOut.minHours,
              max: overview.options.timeOut.maxHours,
            })}
            inputMode="numeric"
            value={hours}
            onChange={(e) => setHours(e.target.value)}
          />
          <button type="button" className="secondary" onClick={() => setConfirming('time-out')}>
            {t('rg.timeOut')}
          </button>
        </div>
        <div className="stack">
          <SelectField
            label={t('rg.exclusionPeriod')}
            value={period}
            onChange={(e) => setPeriod(e.target.value)}
            options={overview.options.selfExclusionPeriods.map((p) => ({
              value: p,
              label: t(`rg.exclusion.${p}` as 'rg.exclusion.6m'),
            }))}
          />
          <button type="button" className="danger" onClick={() => setConfirming('exclusion')}>
            {t('rg.exclude')}
          </button>
        </div>
      </div>
      <Dialog
        open={confirming !== null}
        title={confirming === 'time-out' ? t('rg.timeOut') : t('rg.exclude')}
        onClose={() => setConfirming(null)}
      >
        <div className="stack">
          <p>
            {confirming === 'time-out' ? t('rg.timeOutConfirm', { hours }) : t('rg.excludeConfirm')}
          </p>
          <div className="actions">
            <button type="button" className="danger" disabled={busy} onClick={() => void go()}>
              {t('rg.confirmBreak')}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      </Dialog>
    </section>
  );
}

function Documents({ overview, onSaved }: { overview: Overview; onSaved: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [kind, setKind] = useState<DocumentKind>('passport');
  const [file, setFile] = useState<File | null>(null);
  const kyc = useLoader((signal) => client.call('GET /api/v1/me/kyc', { signal }), [client]);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!file) {
      notify(t('kyc.chooseFile'), 'error');
      return;
    }
    const form = new FormData();
    form.append('file', file, file.name);
    const target = event.currentTarget;
    void run(async () => {
      try {
        await client.upload('POST /api/v1/me/kyc/documents', { query: { kind }, form });
        notify(t('kyc.uploaded'), 'success');
        setFile(null);
        target.reset();
        await kyc.reload();
        onSaved();
      } catch (error) {
        report(error);
      }
    });
  };
  const status = kyc.data?.status ?? overview.kyc.status;
  return (
    <section className="panel stack" aria-labelledby="kyc-heading">
      <h2 id="kyc-heading">{t('kyc.title')}</h2>
      <p>
        {t('kyc.status')}{' '}
        <span className={`badge status-${status}`} data-testid="kyc-status">
          {t(`kyc.status.${status}`)}
        </span>
      </p>
      {overview.kyc.requiredBeforeDeposit || overview.kyc.requiredBeforeBet ? (
        <p className="hint">
          {overview.kyc.requiredBeforeDeposit ? t('kyc.requiredDeposit') : t('kyc.requiredBet')}
        </p>
      ) : null}
      {kyc.data && kyc.data.documents.length > 0 ? (
        <ul className="plain-list">
          {kyc.data.documents.map((d) => (
            <li key={d.id}>
              {t(`kyc.kind.${d.kind}`)} · {Math.ceil(d.sizeBytes / 1024)} KB ·{' '}
              <time dateTime={d.uploadedAt}>{i18n.dateTime(d.uploadedAt)}</time>
            </li>
          ))}
        </ul>
      ) : null}
      <form className="stack" onSubmit={submit}>
        <SelectField
          label={t('kyc.kind')}
          value={kind}
          onChange={(e) => setKind(e.target.value as DocumentKind)}
          options={DOCUMENT_KINDS.map((k) => ({ value: k, label: t(`kyc.kind.${k}`) }))}
        />
        <div className="field">
          <label htmlFor="kyc-file">{t('kyc.file')}</label>
          <input
            id="kyc-file"
            type="file"
            accept="image/jpeg,image/png,application/pdf"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </div>
        <SubmitButton busy={busy} busyLabel={t('common.sending')}>
          {t('kyc.upload')}
        </SubmitButton>
      </form>
    </section>
  );
}

export function ResponsibleGamblingPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const overview = useLoader(
    (signal) => client.call('GET /api/v1/me/responsible-gambling', { signal }),
    [client],
  );
  const reload = () => void overview.reload();
  return (
    <div className="page stack">
      <PageHeading>{t('rg.title')}</PageHeading>
      <p className="muted">{t('rg.intro')}</p>
      {overview.error ? (
        <p className="callout callout-error">{describeError(overview.error, i18n)}</p>
      ) : null}
      {!overview.data && overview.loading ? (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      ) : null}
      {overview.data ? (
        <>
          {overview.data.notices.map((n) => (
            <p key={n.id} className="callout">
              {n.text}
            </p>
          ))}
          <Limits overview={overview.data} onSaved={reload} />
          <RealityCheckSettings overview={overview.data} onSaved={reload} />
          <Documents overview={overview.data} onSaved={reload} />
          <Breaks overview={overview.data} onSaved={reload} />
        </>
      ) : null}
    </div>
  );
}

const POLL_MS = 30_000;

/** The reality check pop-up: shown when one is due, until the player answers it. */
export function RealityCheck() {
  const i18n = useI18n();
  const { t } = i18n;
  const { client, me, signOut } = useAuth();
  const report = useReport();
  const [busy, run] = useBusy();
  const player = me?.kind === 'player';
  const check = useLoader(
    (signal) => client.call('GET /api/v1/me/reality-check', { signal }),
    [client, me?.id],
    {
      enabled: player,
      refreshMs: POLL_MS,
    },
  );
  const pending = player ? check.data?.pending : null;
  const due =
    pending && !pending.acknowledgedAt && Date.parse(pending.dueAt) <= Date.now() ? pending : null;
  const [, tick] = useState(0);
  useEffect(() => {
    // Show it the moment it falls due, without waiting for the next read.
    if (!pending || pending.acknowledgedAt) return;
    const wait = Date.parse(pending.dueAt) - Date.now();
    if (wait <= 0) return;
    const timer = window.setTimeout(() => tick((n) => n + 1), Math.min(wait + 50, 2 ** 31 - 1));
    return () => window.clearTimeout(timer);
  }, [pending]);
  if (!due) return null;
  const answer = (endSession: boolean) =>
    run(async () => {
      try {
        await client.call('POST /api/v1/me/reality-check/{id}/acknowledge', {
          path: { id: due.id },
          body: endSession ? { endSession: true } : {},
        });
        if (endSession) {
          await signOut();
          navigate('/');
        } else {
          await check.reload();
        }
      } catch (error) {
        report(error);
      }
    });
  const minutes = Math.floor(due.elapsedSeconds / 60);
  return (
    <Dialog open title={t('reality.title')} onClose={() => void answer(false)}>
      <div className="stack" data-testid="reality-check">
        <p>{t('reality.played', { minutes })}</p>
        <dl className="facts">
          <div>
            <dt>{t('reality.staked')}</dt>
            <dd>{i18n.money(due.staked, due.currency)}</dd>
          </div>
          <div>
            <dt>{t('reality.returned')}</dt>
            <dd>{i18n.money(due.returned, due.currency)}</dd>
          </div>
          <div>
            <dt>{t('reality.net')}</dt>
            <dd>{i18n.money(due.net, due.currency)}</dd>
          </div>
        </dl>
        <div className="actions">
          <button type="button" disabled={busy} onClick={() => void answer(false)}>
            {t('reality.continue')}
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => void answer(true)}
          >
            {t('reality.stop')}
          </button>
          <a href="#/account/safer-gambling">{t('reality.limits')}</a>
        </div>
      </div>
    </Dialog>
  );
}
