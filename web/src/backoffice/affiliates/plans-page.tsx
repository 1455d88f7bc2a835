// Affiliate plans: the commission plans (revenue share with or without negative carryover,
// CPA, hybrid, tiered) and a new one; putting an affiliate on a plan; and an affiliate's
// dashboard for a month as the affiliate sees it (clicks, sign-ups, depositors, NGR by player).
import { type FormEvent, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import type { Result } from '../../api/operations.ts';
import { describeError } from '../../api/problems.ts';
import { type I18n, useI18n } from '../../lib/i18n.tsx';
import type { MessageKey } from '../../lib/messages/en.ts';
import { useAuth } from '../../ui/auth.tsx';
import { CheckboxField, SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { problemFields } from '../problem-fields.ts';
import { type Affiliate, affiliateName, loadAffiliates } from './affiliate-list.ts';
import {
  bpsToPercent,
  emptyPlan,
  isMonth,
  monthOf,
  PLAN_TYPES,
  type PlanDraft,
  type PlanErrors,
  type PlanType,
  planBody,
} from './plan-form.ts';

type Plan = Result<'GET /api/v1/admin/affiliate-plans'>['items'][number];

/** The terms of a plan in one line, money in the reader's locale. */
export function planTerms(plan: Plan, i18n: I18n): string {
  const { t } = i18n;
  const money = (minor: string) => i18n.money(minor, plan.currency);
  const parts: string[] = [];
  if (plan.type === 'tiered') {
    parts.push(
      plan.tiers
        .map((tier) =>
          t('affiliates.tierTerm', {
            percent: bpsToPercent(tier.revShareBps),
            from: money(tier.fromNgr),
          }),
        )
        .join(', '),
    );
  } else if (plan.revShareBps > 0) {
    parts.push(t('affiliates.share', { percent: bpsToPercent(plan.revShareBps) }));
  }
  if (plan.cpaAmount !== '0') {
    parts.push(
      t('affiliates.cpaTerm', {
        amount: money(plan.cpaAmount),
        deposit: money(plan.cpaMinDeposit),
        wagering: money(plan.cpaMinWagering),
        days: plan.cpaWindowDays,
      }),
    );
  }
  if (plan.adminFeeBps > 0)
    parts.push(t('affiliates.fee', { percent: bpsToPercent(plan.adminFeeBps) }));
  if (plan.type !== 'cpa') {
    parts.push(plan.negativeCarryover ? t('affiliates.carryoverOn') : t('affiliates.carryoverOff'));
  }
  return parts.join(' · ');
}

function NewPlan({ onCreated }: { onCreated: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const [draft, setDraft] = useState<PlanDraft>(() => emptyPlan());
  const [errors, setErrors] = useState<PlanErrors>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const set = <K extends keyof PlanDraft>(field: K, value: PlanDraft[K]) =>
    setDraft((d) => ({ ...d, [field]: value }));
  const errorAt = (path: string) => {
    const key = errors[path];
    return key ? t(key) : serverErrors[path] || undefined;
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setServerErrors({});
    setFailure(null);
    const result = planBody(draft);
    if (!result.ok) {
      setErrors(result.errors);
      setFailure(t('loyalty.fix'));
      return;
    }
    setErrors({});
    void run(async () => {
      try {
        const plan = await client.call('POST /api/v1/admin/affiliate-plans', { body: result.body });
        notify(t('affiliates.created', { name: plan.name }), 'success');
        setDraft(emptyPlan(draft.currency));
        onCreated();
      } catch (error) {
        if (error instanceof ApiError) setServerErrors(problemFields(error.problem));
        setFailure(describeError(error, i18n, result.body.currency));
      }
    });
  };
  const sharing = draft.type !== 'cpa';
  const paysCpa = draft.type === 'cpa' || draft.type === 'hybrid';
  return (
    <details className="panel">
      <summary>{t('affiliates.newPlan')}</summary>
      <form className="stack" onSubmit={submit} noValidate>
        <p className="hint">{t('affiliates.newPlanHint')}</p>
        <div className="two-columns">
          <TextField
            label={t('affiliates.name')}
            required
            maxLength={100}
            value={draft.name}
            error={errorAt('name')}
            onChange={(e) => set('name', e.target.value)}
          />
          <SelectField
            label={t('affiliates.type')}
            value={draft.type}
            onChange={(e) => set('type', e.target.value as PlanType)}
            options={PLAN_TYPES.map((type) => ({
              value: type,
              label: t(`affiliates.type.${type}` as MessageKey),
            }))}
          />
          <TextField
            label={t('affiliates.currency')}
            required
            maxLength={3}
            value={draft.currency}
            error={errorAt('currency')}
            onChange={(e) => set('currency', e.target.value.toUpperCase())}
          />
          {draft.type === 'revshare' || draft.type === 'hybrid' ? (
            <TextField
              label={t('affiliates.revShare')}
              inputMode="decimal"
              required
              value={draft.revSharePercent}
              error={errorAt('revShareBps')}
              onChange={(e) => set('revSharePercent', e.target.value)}
            />
          ) : null}
          {paysCpa ? (
            <>
              <TextField
                label={`${t('affiliates.cpaAmount')} (${draft.currency})`}
                inputMode="decimal"
                required
                value={draft.cpaAmount}
                error={errorAt('cpaAmount')}
                onChange={(e) => set('cpaAmount', e.target.value)}
              />
              <TextField
                label={`${t('affiliates.cpaMinDeposit')} (${draft.currency})`}
                inputMode="decimal"
                value={draft.cpaMinDeposit}
                error={errorAt('cpaMinDeposit')}
                onChange={(e) => set('cpaMinDeposit', e.target.value)}
              />
              <TextField
                label={`${t('affiliates.cpaMinWagering')} (${draft.currency})`}
                inputMode="decimal"
                value={draft.cpaMinWagering}
                error={errorAt('cpaMinWagering')}
                onChange={(e) => set('cpaMinWagering', e.target.value)}
              />
              <TextField
                label={t('affiliates.cpaWindow')}
                inputMode="numeric"
                value={draft.cpaWindowDays}
                error={errorAt('cpaWindowDays')}
                onChange={(e) => set('cpaWindowDays', e.target.value)}
              />
            </>
          ) : null}
          <TextField
            label={t('affiliates.adminFee')}
            inputMode="decimal"
            value={draft.adminFeePercent}
            error={errorAt('adminFeeBps')}
            onChange={(e) => set('adminFeePercent', e.target.value)}
          />
          {sharing ? (
            <CheckboxField
              label={t('affiliates.carryover')}
              hint={t('affiliates.carryoverHint')}
              checked={draft.negativeCarryover}
              onChange={(e) => set('negativeCarryover', e.target.checked)}
            />
          ) : null}
        </div>
        {draft.type === 'tiered' ? (
          <fieldset className="stack">
            <legend>{t('affiliates.tiers')}</legend>
            <p className="hint">{t('affiliates.tiersHint')}</p>
            {errorAt('tiers') ? (
              <p className="field-error" role="alert">
                {errorAt('tiers')}
              </p>
            ) : null}
            {draft.tiers.map((tier, i) => {
              const n = i + 1;
              const change = (field: 'fromNgr' | 'revSharePercent', value: string) =>
                set(
                  'tiers',
                  draft.tiers.map((x, j) => (j === i ? { ...x, [field]: value } : x)),
                );
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
                <div key={i} className="two-columns">
                  <TextField
                    label={`${t('affiliates.tierFrom', { n })} (${draft.currency})`}
                    inputMode="decimal"
                    value={tier.fromNgr}
                    error={errorAt(`tiers/${i}/fromNgr`)}
                    onChange={(e) => change('fromNgr', e.target.value)}
                  />
                  <TextField
                    label={t('affiliates.tierRate', { n })}
                    inputMode="decimal"
                    value={tier.revSharePercent}
                    error={errorAt(`tiers/${i}/revShareBps`)}
                    onChange={(e) => change('revSharePercent', e.target.value)}
                  />
                  <div>
                    <button
                      type="button"
                      className="secondary"
                      disabled={draft.tiers.length <= 1}
                      onClick={() =>
                        set(
                          'tiers',
                          draft.tiers.filter((_, j) => j !== i),
                        )
                      }
                    >
                      {t('affiliates.removeTier', { n })}
                    </button>
                  </div>
                </div>
              );
            })}
            <div>
              <button
                type="button"
                className="secondary"
                disabled={draft.tiers.length >= 20}
                onClick={() => set('tiers', [...draft.tiers, { fromNgr: '', revSharePercent: '' }])}
              >
                {t('affiliates.addTier')}
              </button>
            </div>
          </fieldset>
        ) : null}
        {failure ? (
          <p className="callout callout-error" role="alert">
            {failure}
          </p>
        ) : null}
        <SubmitButton busy={busy} busyLabel={t('affiliates.creating')}>
          {t('affiliates.create')}
        </SubmitButton>
      </form>
    </details>
  );
}

function AssignPlan({ plans, affiliates }: { plans: Plan[]; affiliates: Affiliate[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const [partnerId, setPartnerId] = useState('');
  const [planId, setPlanId] = useState('');
  const partner = partnerId || affiliates[0]?.id || '';
  const plan = planId || plans[0]?.id || '';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!partner || !plan) return;
    void run(async () => {
      try {
        const assigned = await client.call('PUT /api/v1/admin/partners/{id}/affiliate-plan', {
          path: { id: partner },
          body: { planId: plan },
        });
        notify(
          t('affiliates.assigned', {
            partner: affiliateName(
              affiliates.find((a) => a.id === partner),
              partner,
            ),
            plan: assigned.name,
          }),
          'success',
        );
      } catch (error) {
        report(error);
      }
    });
  };
  return (
    <section className="panel stack" aria-labelledby="assign-plan">
      <h2 id="assign-plan">{t('affiliates.assign')}</h2>
      {affiliates.length === 0 ? (
        <p className="muted">{t('affiliates.noAffiliates')}</p>
      ) : plans.length === 0 ? (
        <p className="muted">{t('affiliates.noPlans')}</p>
      ) : (
        <form className="two-columns" onSubmit={submit}>
          <SelectField
            label={t('affiliates.partner')}
            value={partner}
            onChange={(e) => setPartnerId(e.target.value)}
            options={affiliates.map((a) => ({ value: a.id, label: affiliateName(a, a.id) }))}
          />
          <SelectField
            label={t('affiliates.plan')}
            value={plan}
            onChange={(e) => setPlanId(e.target.value)}
            options={plans.map((p) => ({ value: p.id, label: `${p.name} (${p.currency})` }))}
          />
          <div>
            <SubmitButton busy={busy} busyLabel={t('common.saving')}>
              {t('affiliates.assignButton')}
            </SubmitButton>
          </div>
        </form>
      )}
    </section>
  );
}

function Dashboard({ affiliates }: { affiliates: Affiliate[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const [partnerId, setPartnerId] = useState('');
  const [month, setMonth] = useState(() => monthOf(new Date()));
  const [shown, setShown] = useState<{ partnerId: string; month: string } | null>(null);
  const partner = partnerId || affiliates[0]?.id || '';
  const board = useLoader(
    (signal) =>
      client.call('GET /api/v1/admin/partners/{id}/affiliate-dashboard', {
        path: { id: shown?.partnerId ?? '' },
        query: { period: shown?.month ?? '' },
        signal,
      }),
    [client, shown?.partnerId, shown?.month],
    { enabled: shown !== null },
  );
  const d = board.data;
  const money = (minor: string) => (d?.currency ? i18n.money(minor, d.currency) : minor);
  return (
    <section className="panel stack" aria-labelledby="affiliate-dashboard">
      <h2 id="affiliate-dashboard">{t('affiliates.dashboard')}</h2>
      {affiliates.length === 0 ? (
        <p className="muted">{t('affiliates.noAffiliates')}</p>
      ) : (
        <form
          className="two-columns"
          onSubmit={(event) => {
            event.preventDefault();
            if (!partner || !isMonth(month)) return;
            if (shown?.partnerId === partner && shown.month === month) void board.reload();
            else setShown({ partnerId: partner, month });
          }}
        >
          <SelectField
            label={t('affiliates.partner')}
            value={partner}
            onChange={(e) => setPartnerId(e.target.value)}
            options={affiliates.map((a) => ({ value: a.id, label: affiliateName(a, a.id) }))}
          />
          <TextField
            label={t('affiliates.month')}
            type="month"
            required
            value={month}
            onChange={(e) => setMonth(e.target.value)}
          />
          <div>
            <button type="submit" disabled={!isMonth(month)}>
              {t('affiliates.show')}
            </button>
          </div>
        </form>
      )}
      {shown && board.loading && !d ? <p className="muted">{t('common.loading')}</p> : null}
      {board.error ? (
        <p className="callout callout-error" role="alert">
          {describeError(board.error, i18n)}
        </p>
      ) : null}
      {d ? (
        <div className="stack" aria-live="polite">
          <p>
            {d.plan
              ? t('affiliates.onPlan', { plan: d.plan.name, currency: d.plan.currency })
              : t('affiliates.noPlan')}
          </p>
          <dl className="cards">
            <div className="panel">
              <dt>{t('affiliates.clicks')}</dt>
              <dd>{i18n.number(d.clicks)}</dd>
            </div>
            <div className="panel">
              <dt>{t('affiliates.visitors')}</dt>
              <dd>{i18n.number(d.uniqueVisitors)}</dd>
            </div>
            <div className="panel">
              <dt>{t('affiliates.signups')}</dt>
              <dd>{i18n.number(d.signups)}</dd>
            </div>
            <div className="panel">
              <dt>{t('affiliates.ftd')}</dt>
              <dd>{i18n.number(d.firstTimeDepositors)}</dd>
            </div>
            <div className="panel">
              <dt>{t('affiliates.ngr')}</dt>
              <dd>{money(d.ngr)}</dd>
            </div>
          </dl>
          <h3>{t('affiliates.links')}</h3>
          {d.links.length === 0 ? (
            <p className="muted">{t('affiliates.noLinks')}</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">{t('affiliates.links')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('affiliates.name')}</th>
                  <th scope="col" className="num">
                    {t('affiliates.clicks')}
                  </th>
                  <th scope="col" className="num">
                    {t('affiliates.signups')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.links.map((link) => (
                  <tr key={link.linkId}>
                    <th scope="row">{link.name}</th>
                    <td className="num">{i18n.number(link.clicks)}</td>
                    <td className="num">{i18n.number(link.signups)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>{t('affiliates.players')}</h3>
          {d.players.length === 0 ? (
            <p className="muted">{t('affiliates.noPlayers')}</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">{t('affiliates.players')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('affiliates.player')}</th>
                  <th scope="col" className="num">
                    {t('affiliates.turnover')}
                  </th>
                  <th scope="col" className="num">
                    {t('affiliates.ggr')}
                  </th>
                  <th scope="col" className="num">
                    {t('affiliates.bonusCosts')}
                  </th>
                  <th scope="col" className="num">
                    {t('affiliates.fees')}
                  </th>
                  <th scope="col" className="num">
                    {t('affiliates.ngr')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.players.map((p) => (
                  <tr key={p.playerId}>
                    <th scope="row">
                      <a href={`#/support/${p.playerId}`}>
                        <code>{p.playerId.slice(0, 8)}</code>
                      </a>
                    </th>
                    <td className="num">{money(p.turnover)}</td>
                    <td className="num">{money(p.ggr)}</td>
                    <td className="num">{money(p.bonusCosts)}</td>
                    <td className="num">{money(p.fees)}</td>
                    <td className="num">{money(p.ngr)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ) : null}
    </section>
  );
}

export function AffiliatePlansPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const plans = useLoader(
    (signal) => client.call('GET /api/v1/admin/affiliate-plans', { signal }),
    [client],
  );
  const affiliates = useLoader((signal) => loadAffiliates(client, signal), [client]);
  const items = plans.data?.items;
  return (
    <div className="page stack">
      <PageHeading>{t('affiliates.title')}</PageHeading>
      <NewPlan onCreated={() => void plans.reload()} />
      <section className="stack" aria-labelledby="plan-list">
        <h2 id="plan-list">{t('affiliates.plans')}</h2>
        {plans.error ? (
          <p className="callout callout-error" role="alert">
            {describeError(plans.error, i18n)}{' '}
            <button type="button" className="link" onClick={() => void plans.reload()}>
              {t('common.retry')}
            </button>
          </p>
        ) : null}
        {plans.loading && !items ? <p className="muted">{t('common.loading')}</p> : null}
        {items && items.length === 0 ? <p className="muted">{t('affiliates.noPlans')}</p> : null}
        {items && items.length > 0 ? (
          <table className="table" data-testid="affiliate-plans">
            <caption className="visually-hidden">{t('affiliates.plans')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('affiliates.name')}</th>
                <th scope="col">{t('affiliates.type')}</th>
                <th scope="col">{t('affiliates.terms')}</th>
                <th scope="col">{t('affiliates.created.at')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((plan) => (
                <tr key={plan.id}>
                  <th scope="row">
                    {plan.name}
                    <br />
                    <span className="muted small">{plan.currency}</span>
                  </th>
                  <td>
                    {(PLAN_TYPES as readonly string[]).includes(plan.type)
                      ? t(`affiliates.type.${plan.type}` as MessageKey)
                      : plan.type}
                  </td>
                  <td className="small">{planTerms(plan, i18n)}</td>
                  <td className="small">{i18n.date(plan.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      {affiliates.error ? (
        <p className="callout callout-error" role="alert">
          {describeError(affiliates.error, i18n)}
        </p>
      ) : null}
      {affiliates.loading && !affiliates.data ? (
        <p className="muted">{t('common.loading')}</p>
      ) : null}
      {affiliates.data ? (
        <>
          <AssignPlan plans={items ?? []} affiliates={affiliates.data} />
          <Dashboard affiliates={affiliates.data} />
        </>
      ) : null}
    </div>
  );
}
