// The player's account: who they are, the address check, security (second factor, sign-ins)
// and signing out.
import { useI18n } from '../../lib/i18n.tsx';
import { navigate } from '../../lib/router.ts';
import { useAuth } from '../../ui/auth.tsx';
import { useBusy } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { SecuritySettings } from '../../ui/security.tsx';

export function AccountPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { client, me, signOut } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  if (!me) return null;

  const resend = () =>
    run(async () => {
      try {
        await client.call('POST /api/v1/me/email-verification');
        notify(t('account.linkSent', { email: me.email }), 'success');
      } catch (error) {
        report(error);
      }
    });

  return (
    <div className="page">
      <PageHeading>{t('account.title')}</PageHeading>
      <section className="panel stack" aria-labelledby="profile-heading">
        <h2 id="profile-heading">{t('account.profile')}</h2>
        <dl className="facts">
          <div>
            <dt>{t('field.displayName')}</dt>
            <dd>{me.displayName}</dd>
          </div>
          <div>
            <dt>{t('field.email')}</dt>
            <dd>
              {me.email}{' '}
              {me.emailVerified ? (
                <span className="badge badge-ok" data-testid="email-verified">
                  {t('account.verified')}
                </span>
              ) : (
                <span className="badge badge-warn">{t('account.unverified')}</span>
              )}
            </dd>
          </div>
          {me.country ? (
            <div>
              <dt>{t('field.country')}</dt>
              <dd>
                {new Intl.DisplayNames([i18n.tag], { type: 'region' }).of(me.country) ?? me.country}
              </dd>
            </div>
          ) : null}
          {me.currency ? (
            <div>
              <dt>{t('field.currency')}</dt>
              <dd>{me.currency}</dd>
            </div>
          ) : null}
          <div>
            <dt>{t('account.since')}</dt>
            <dd>{i18n.date(me.createdAt)}</dd>
          </div>
        </dl>
        {me.emailVerified ? null : (
          <div className="actions">
            <p className="hint">{t('account.verifyHint')}</p>
            <button type="button" className="secondary" onClick={resend} disabled={busy}>
              {t('account.resend')}
            </button>
          </div>
        )}
      </section>
      <section className="panel stack" aria-labelledby="rg-heading">
        <h2 id="rg-heading">{t('rg.title')}</h2>
        <p className="muted">{t('rg.intro')}</p>
        <p>
          <a className="button secondary" href="#/account/safer-gambling">
            {t('rg.open')}
          </a>
        </p>
      </section>
      <p>
        <a className="button secondary" href="#/promotions">
          {t('promo.title')}
        </a>
      </p>
      <SecuritySettings />
      <div className="actions">
        <button
          type="button"
          className="secondary"
          onClick={() => {
            // Signed out here at once; the server is told in the background.
            void signOut();
            notify(t('account.signedOut'), 'info');
            navigate('/');
          }}
        >
          {t('account.signOut')}
        </button>
      </div>
    </div>
  );
}
