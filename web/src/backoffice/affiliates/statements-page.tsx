// Commission statements: a month's drafts computed from the ledger (every affiliate, or one),
// reviewed by month, affiliate and status, approved in month order, and paid into the
// affiliate's commission account. Paying moves money, so it carries an Idempotency-Key that
// a retry after a lost answer reuses (lib/keys.ts): a statement is never paid twice.
import { type FormEvent, useState } from 'react';
import { isOutcomeUnknown } from '../../api/client.ts';
import type { Result } from '../../api/operations.ts';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { hasPending, withIdempotencyKey } from '../../lib/keys.ts';
import type { MessageKey } from '../../lib/messages/en.ts';
import { useAuth } from '../../ui/auth.tsx';
import { Dialog } from '../../ui/dialog.tsx';
import { SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { type Affiliate, affiliateName, loadAffiliates } from './affiliate-list.ts';
import { isMonth, previousMonth } from './plan-form.ts';

type Statement = Result<'GET /api/v1/admin/affiliate-statements'>['items'][number];
type Status = Statement['status'];
const STATUSES: readonly Status[] = ['draft', 'approved', 'paid'];

const payPurpose = (id: string) => `affiliate-statement-pay:${id}`;

function Compute({ affiliates, onComputed }: { affiliates: Affiliate[]; onComputed: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [month, setMonth] = useState(() => previousMonth(new Date()));
  const [partnerId, setPartnerId] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!isMonth(month)) return;
    void run(async () => {
      try {
        const computed = await client.call('POST /api/v1/admin/affiliate-statements/compute', {
          body: { period: month, ...(partnerId ? { partnerId } : {}) },
        });
        notify(t('statements.computed', { count: computed.items.length, month }), 'success');
        onComputed();
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <details className="panel">
      <summary>{t('statements.compute')}</summary>
      <form className="stack" onSubmit={submit}>
        <p className="hint">{t('statements.computeHint')}</p>
        <div className="two-columns">
          <TextField
            label={t('statements.month')}
            type="month"
            required
            value={month}
            onChange={(e) => setMonth(e.target.value)}
          />
          <SelectField
            label={t('statements.partner')}
            value={partnerId}
            onChange={(e) => setPartnerId(e.target.value)}
            options={[
              { value: '', label: t('statements.anyPartner') },
              ...affiliates.map((a) => ({ value: a.id, label: affiliateName(a, a.id) })),
            ]}
          />
        </div>
        <SubmitButton busy={busy} busyLabel={t('statements.computing')} disabled={!isMonth(month)}>
          {t('statements.computeButton')}
        </SubmitButton>
      </form>
    </details>
  );
}

function Row({
  statement,
  partner,
  onChanged,
}: {
  statement: Statement;
  partner: string;
  onChanged: (s: Statement) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [confirming, setConfirming] = useState(false);
  const s = statement;
  const money = (minor: string) => i18n.money(minor, s.currency);
  const approve = () =>
    run(async () => {
      try {
        const approved = await client.call('POST /api/v1/admin/affiliate-statements/{id}/approve', {
          path: { id: s.id },
        });
        notify(t('statements.approved'), 'success');
        onChanged(approved);
      } catch (error) {
        report(error, s.currency);
      }
    });
  const pay = () =>
    run(async () => {
      setConfirming(false);
      try {
        const paid = await withIdempotencyKey(
          payPurpose(s.id),
          { id: s.id },
          (idempotencyKey) =>
            client.call('POST /api/v1/admin/affiliate-statements/{id}/pay', {
              path: { id: s.id },
              idempotencyKey,
            }),
          isOutcomeUnknown,
        );
        notify(t('statements.paid'), 'success');
        onChanged(paid);
      } catch (error) {
        report(error, s.currency);
      }
    });
  const labels = { partner, month: s.period, amount: money(s.commission) };
  return (
    <tr>
      <th scope="row">
        {s.period}
        <br />
        <span className="small">{partner}</span>
        <br />
        <span className="muted small">{s.plan.name}</span>
      </th>
      <td>
        <span className={`badge status-${s.status}`}>
          {t(`statements.status.${s.status}` as MessageKey)}
        </span>
        {s.paidAt ? (
          <>
            <br />
            <span className="muted small">
              {t('statements.paidAt', { date: i18n.date(s.paidAt) })}
            </span>
          </>
        ) : null}
      </td>
      <td className="num">{money(s.ngr)}</td>
      <td className="num">{money(s.carryIn)}</td>
      <td className="num">{money(s.carryOut)}</td>
      <td className="num">{money(s.revShare)}</td>
      <td className="num">
        {money(s.cpa)}
        {s.cpaPlayers.length > 0 ? (
          <span className="muted small"> ×{s.cpaPlayers.length}</span>
        ) : null}
      </td>
      <td className="num">
        <strong>{money(s.commission)}</strong>
      </td>
      <td>
        {s.status === 'draft' ? (
          <button
            type="button"
            className="link"
            disabled={busy}
            aria-label={t('statements.approveLabel', labels)}
            onClick={() => void approve()}
          >
            {t('statements.approve')}
          </button>
        ) : null}
        {s.status === 'approved' ? (
          <button
            type="button"
            className="link"
            disabled={busy}
            aria-label={t('statements.payLabel', labels)}
            onClick={() => setConfirming(true)}
          >
            {hasPending(payPurpose(s.id)) ? t('statements.retryPay') : t('statements.pay')}
          </button>
        ) : null}
        <Dialog open={confirming} title={t('statements.pay')} onClose={() => setConfirming(false)}>
          <p>{t('statements.payConfirm', labels)}</p>
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => void pay()}>
              {t('statements.pay')}
            </button>{' '}
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </Dialog>
      </td>
    </tr>
  );
}

export function StatementsPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const [month, setMonth] = useState('');
  const [partnerId, setPartnerId] = useState('');
  const [status, setStatus] = useState<'' | Status>('');
  const period = isMonth(month) ? month : undefined;
  const affiliates = useLoader((signal) => loadAffiliates(client, signal), [client]);
  const list = useLoader(
    (signal) =>
      client.call('GET /api/v1/admin/affiliate-statements', {
        query: {
          ...(period ? { period } : {}),
          ...(partnerId ? { partnerId } : {}),
          ...(status ? { status } : {}),
        },
        signal,
      }),
    [client, period, partnerId, status],
  );
  const byId = new Map((affiliates.data ?? []).map((a) => [a.id, a]));
  const items = list.data?.items;
  return (
    <div className="page stack">
      <PageHeading>{t('statements.title')}</PageHeading>
      <Compute affiliates={affiliates.data ?? []} onComputed={() => void list.reload()} />
      <section className="panel" aria-label={t('statements.filter')}>
        <div className="two-columns">
          <TextField
            label={t('statements.month')}
            hint={t('statements.anyMonth')}
            type="month"
            value={month}
            onChange={(e) => setMonth(e.target.value)}
          />
          <SelectField
            label={t('statements.partner')}
            value={partnerId}
            onChange={(e) => setPartnerId(e.target.value)}
            options={[
              { value: '', label: t('statements.anyPartner') },
              ...(affiliates.data ?? []).map((a) => ({
                value: a.id,
                label: affiliateName(a, a.id),
              })),
            ]}
          />
          <SelectField
            label={t('statements.status')}
            value={status}
            onChange={(e) => setStatus(e.target.value as '' | Status)}
            options={[
              { value: '', label: t('statements.anyStatus') },
              ...STATUSES.map((v) => ({
                value: v,
                label: t(`statements.status.${v}` as MessageKey),
              })),
            ]}
          />
        </div>
      </section>
      {affiliates.error ? (
        <p className="callout callout-error" role="alert">
          {describeError(affiliates.error, i18n)}
        </p>
      ) : null}
      {list.error ? (
        <p className="callout callout-error" role="alert">
          {describeError(list.error, i18n)}{' '}
          <button type="button" className="link" onClick={() => void list.reload()}>
            {t('common.retry')}
          </button>
        </p>
      ) : null}
      {list.loading && !items ? <p className="muted">{t('common.loading')}</p> : null}
      {items && items.length === 0 ? <p className="muted">{t('statements.none')}</p> : null}
      {items && items.length > 0 ? (
        <div className="panel">
          <table className="table" data-testid="affiliate-statements">
            <caption className="visually-hidden">{t('statements.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('statements.month')}</th>
                <th scope="col">{t('statements.status')}</th>
                <th scope="col" className="num">
                  {t('affiliates.ngr')}
                </th>
                <th scope="col" className="num">
                  {t('statements.carryIn')}
                </th>
                <th scope="col" className="num">
                  {t('statements.carryOut')}
                </th>
                <th scope="col" className="num">
                  {t('statements.revShare')}
                </th>
                <th scope="col" className="num">
                  {t('statements.cpa')}
                </th>
                <th scope="col" className="num">
                  {t('statements.commission')}
                </th>
                <th scope="col">
                  <span className="visually-hidden">{t('statements.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <Row
                  key={s.id}
                  statement={s}
                  partner={affiliateName(byId.get(s.partnerId), s.partnerId)}
                  onChanged={(changed) => {
                    // Shown at once, then read again: the filter may no longer match it.
                    list.setData({
                      items: items.map((x) => (x.id === changed.id ? changed : x)),
                    });
                    void list.reload();
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
