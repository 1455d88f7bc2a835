// Promotions: the offers open to the player (opt in where asked), their bonus money with the
// wagering still to do, free bets, and loyalty points (redeemed into a free bet or bonus).
import { type FormEvent, useState } from 'react';
import { isOutcomeUnknown } from '../../api/client.ts';
import { describeError } from '../../api/problems.ts';
import { useI18n } from '../../lib/i18n.tsx';
import { withIdempotencyKey } from '../../lib/keys.ts';
import { useAuth } from '../../ui/auth.tsx';
import { SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy, useLoader } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { useAccountData } from '../account/account-data.tsx';
import { useOddsFormat } from '../odds-format.tsx';
import { boostOf, boostPrice, type PlayerPromotion } from '../slip/boosts.ts';

/** An odds boost's terms: the boosted price (in the player's odds format) and its maximum stake. */
function BoostTerms({ promotion }: { promotion: PlayerPromotion }) {
  const i18n = useI18n();
  const { format } = useOddsFormat();
  const boost = boostOf(promotion);
  if (!boost) return null;
  return (
    <p data-testid="boost-terms">
      {i18n.t('promo.boostTerms', {
        odds: boostPrice(boost, format),
        max: i18n.money(boost.maxStake, promotion.currency),
      })}
    </p>
  );
}

function Offers({ onChanged }: { onChanged: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const offers = useLoader((signal) => client.call('GET /api/v1/promotions', { signal }), [client]);
  const optIn = (id: string) =>
    run(async () => {
      try {
        // Opting in may award money: a retry after a lost answer reuses the key.
        const answer = await withIdempotencyKey(
          `opt-in:${id}`,
          { id },
          (idempotencyKey) =>
            client.call('POST /api/v1/promotions/{id}/opt-in', { path: { id }, idempotencyKey }),
          isOutcomeUnknown,
        );
        notify(
          answer.award
            ? t('promo.awarded', { amount: i18n.money(answer.award.amount, answer.award.currency) })
            : t('promo.optedIn'),
          'success',
        );
        await offers.reload();
        onChanged();
      } catch (error) {
        report(error);
      }
    });
  return (
    <section className="panel stack" aria-labelledby="offers-heading">
      <h2 id="offers-heading">{t('promo.offers')}</h2>
      {offers.error ? (
        <p className="callout callout-error">{describeError(offers.error, i18n)}</p>
      ) : null}
      {offers.loading && !offers.data ? <p className="muted">{t('common.loading')}</p> : null}
      {offers.data && offers.data.length === 0 ? <p className="muted">{t('promo.none')}</p> : null}
      <ul className="plain-list" data-testid="promotions">
        {offers.data?.map((p) => (
          <li key={p.id} className="stack">
            <p>
              <strong>{p.name}</strong> <span className="badge">{t(`promo.kind.${p.kind}`)}</span>
            </p>
            {p.description ? <p className="muted">{p.description}</p> : null}
            <BoostTerms promotion={p} />
            <p className="hint">
              {t('promo.until', { date: i18n.dateTime(p.endsAt) })}
              {p.perPlayer > 1
                ? ` · ${t('promo.claimed', { claimed: p.claimed, of: p.perPlayer })}`
                : ''}
            </p>
            {p.optIn && !p.optedIn ? (
              <button
                type="button"
                className="secondary small"
                disabled={busy}
                onClick={() => void optIn(p.id)}
              >
                {t('promo.optIn')}
              </button>
            ) : p.optedIn ? (
              <span className="badge badge-ok">{t('promo.in')}</span>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function BonusWallet({ version }: { version: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const wallet = useLoader(
    (signal) => client.call('GET /api/v1/promotions/wallet', { signal }),
    [client, version],
  );
  const w = wallet.data;
  if (!w)
    return wallet.error ? (
      <p className="callout callout-error">{describeError(wallet.error, i18n)}</p>
    ) : null;
  const grant = w.activeGrant;
  const done = grant
    ? Number((BigInt(grant.wagered) * 100n) / (BigInt(grant.wageringRequired) || 1n))
    : 0;
  return (
    <section className="panel stack" aria-labelledby="bonus-heading">
      <h2 id="bonus-heading">{t('promo.bonus')}</h2>
      <p>
        {t('promo.bonusBalance')}{' '}
        <strong data-testid="bonus-balance">{i18n.money(w.bonusBalance, w.currency)}</strong>
      </p>
      {grant ? (
        <div className="stack">
          <label htmlFor="wagering">
            {t('promo.wagering', {
              wagered: i18n.money(grant.wagered, grant.currency),
              required: i18n.money(grant.wageringRequired, grant.currency),
            })}
          </label>
          <progress id="wagering" max={100} value={Math.min(100, done)}>
            {done}%
          </progress>
          <p className="hint">
            {t('promo.expires', { date: i18n.dateTime(grant.expiresAt) })}
            {grant.minOdds ? ` · ${t('promo.minOdds', { odds: grant.minOdds })}` : ''}
            {grant.forfeitOnWithdrawal ? ` · ${t('promo.forfeit')}` : ''}
          </p>
        </div>
      ) : null}
      <h3>{t('promo.freeBets')}</h3>
      {w.freeBets.length === 0 ? <p className="muted">{t('promo.noFreeBets')}</p> : null}
      <ul className="plain-list">
        {w.freeBets.map((f) => (
          <li key={f.id}>
            {i18n.money(f.amount, f.currency)} · {t(`promo.free.${f.status}`)} ·{' '}
            {t('promo.expires', { date: i18n.dateTime(f.expiresAt) })}
            {f.minOdds ? ` · ${t('promo.minOdds', { odds: f.minOdds })}` : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Loyalty({ onChanged }: { onChanged: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { client } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const { currency } = useAccountData();
  const [busy, run] = useBusy();
  const [points, setPoints] = useState('');
  const [into, setInto] = useState<'free_bet' | 'bonus'>('free_bet');
  const loyalty = useLoader((signal) => client.call('GET /api/v1/loyalty', { signal }), [client]);
  const l = loyalty.data;
  const redeem = (event: FormEvent) => {
    event.preventDefault();
    if (!/^[1-9][0-9]*$/.test(points.trim())) {
      notify(t('promo.pointsHint'), 'error');
      return;
    }
    void run(async () => {
      try {
        const body = { points: points.trim(), into };
        const answer = await withIdempotencyKey(
          'loyalty-redemption',
          body,
          (idempotencyKey) =>
            client.call('POST /api/v1/loyalty/redemptions', { body, idempotencyKey }),
          isOutcomeUnknown,
        );
        notify(
          t('promo.redeemed', { amount: i18n.money(answer.amount, answer.currency) }),
          'success',
        );
        setPoints('');
        await loyalty.reload();
        onChanged();
      } catch (error) {
        report(error, currency);
      }
    });
  };
  if (!l)
    return loyalty.error ? (
      <p className="callout callout-error">{describeError(loyalty.error, i18n)}</p>
    ) : null;
  return (
    <section className="panel stack" aria-labelledby="loyalty-heading">
      <h2 id="loyalty-heading">{t('promo.loyalty')}</h2>
      <p>
        {t('promo.points', { points: l.balance })}
        {l.tier ? ` · ${t('promo.tier', { tier: l.tier })}` : ''}
        {l.nextTier
          ? ` · ${t('promo.nextTier', { tier: l.nextTier.name, points: l.nextTier.minPoints })}`
          : ''}
      </p>
      <form className="filters" onSubmit={redeem}>
        <TextField
          label={t('promo.redeemPoints', { min: l.redemption.minRedeemPoints })}
          inputMode="numeric"
          value={points}
          onChange={(e) => setPoints(e.target.value)}
        />
        <SelectField
          label={t('promo.into')}
          value={into}
          onChange={(e) => setInto(e.target.value as 'free_bet' | 'bonus')}
          options={[
            { value: 'free_bet', label: t('promo.intoFreeBet') },
            { value: 'bonus', label: t('promo.intoBonus') },
          ]}
        />
        <SubmitButton busy={busy} busyLabel={t('common.sending')}>
          {t('promo.redeem')}
        </SubmitButton>
      </form>
    </section>
  );
}

export function PromotionsPage() {
  const { t } = useI18n();
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);
  return (
    <div className="page stack">
      <PageHeading>{t('promo.title')}</PageHeading>
      <Offers onChanged={changed} />
      <BonusWallet version={version} />
      <Loyalty onChanged={changed} />
    </div>
  );
}
