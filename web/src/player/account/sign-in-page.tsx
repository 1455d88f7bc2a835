// Signing in, registering, and the pages the mailed links open.
import { type FormEvent, useMemo, useState } from 'react';
import { useI18n } from '../../lib/i18n.tsx';
import { navigate, replaceHash } from '../../lib/router.ts';
import { useAuth } from '../../ui/auth.tsx';
import { formText, SelectField, SubmitButton, TextField } from '../../ui/forms.tsx';
import { useBusy } from '../../ui/hooks.ts';
import { useNotify, useReport } from '../../ui/notices.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { RequestPasswordReset, ResetPassword } from '../../ui/password.tsx';
import { SignInForm } from '../../ui/sign-in.tsx';

/** Currencies a wallet may open in (IBET_CURRENCIES' default). */
const CURRENCIES = ['EUR', 'GBP', 'USD', 'SEK', 'NOK', 'DKK', 'PLN', 'CHF'];
const COUNTRIES = [
  'AT',
  'BE',
  'BG',
  'CH',
  'CY',
  'CZ',
  'DE',
  'DK',
  'EE',
  'ES',
  'FI',
  'FR',
  'GB',
  'GR',
  'HR',
  'HU',
  'IE',
  'IS',
  'IT',
  'LI',
  'LT',
  'LU',
  'LV',
  'MT',
  'NL',
  'NO',
  'PL',
  'PT',
  'RO',
  'SE',
  'SI',
  'SK',
  'US',
  'CA',
  'AU',
  'NZ',
];

export function SignInPage({ next }: { next: string | null }) {
  const { t } = useI18n();
  const notify = useNotify();
  return (
    <div className="page narrow">
      <PageHeading>{t('signIn.title')}</PageHeading>
      <div className="panel">
        <SignInForm
          onSignedIn={(me) => {
            notify(t('signIn.welcome', { name: me.displayName }), 'success');
            navigate(next?.startsWith('/') ? next : '/');
          }}
          footer={
            <p className="links">
              <a href="#/forgot-password">{t('signIn.forgot')}</a>
              <span aria-hidden="true"> · </span>
              <a href="#/register">{t('signIn.register')}</a>
            </p>
          }
        />
      </div>
    </div>
  );
}

/** "2008-05-14": the latest date of birth of someone 18 today. */
function latestBirthDate(): string {
  const now = new Date();
  const date = new Date(Date.UTC(now.getUTCFullYear() - 18, now.getUTCMonth(), now.getUTCDate()));
  return date.toISOString().slice(0, 10);
}

export function RegisterPage() {
  const i18n = useI18n();
  const { t, tag } = i18n;
  const { client, signedIn } = useAuth();
  const notify = useNotify();
  const report = useReport();
  const [busy, run] = useBusy();
  const countries = useMemo(() => {
    const names = new Intl.DisplayNames([tag], { type: 'region' });
    return COUNTRIES.map((code) => ({ value: code, label: names.of(code) ?? code })).sort((a, b) =>
      a.label.localeCompare(b.label, tag),
    );
  }, [tag]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const email = formText(data, 'email');
    const password = String(data.get('password') ?? '');
    void run(async () => {
      try {
        await client.call('POST /api/v1/auth/register', {
          body: {
            email,
            password,
            displayName: formText(data, 'displayName'),
            dateOfBirth: formText(data, 'dateOfBirth'),
            country: formText(data, 'country'),
            currency: formText(data, 'currency'),
          },
        });
        const answer = await client.call('POST /api/v1/auth/login', { body: { email, password } });
        if ('mfaRequired' in answer) return navigate('/login');
        const me = await signedIn(answer);
        notify(t('register.welcome', { name: me.displayName, email: me.email }), 'success');
        navigate('/wallet');
      } catch (error) {
        report(error);
      }
    });
  };

  return (
    <div className="page narrow">
      <PageHeading>{t('register.title')}</PageHeading>
      <form className="panel stack" onSubmit={submit}>
        <TextField
          label={t('field.email')}
          name="email"
          type="email"
          autoComplete="email"
          required
        />
        <TextField
          label={t('field.password')}
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={12}
          maxLength={128}
          required
          hint={t('password.hint', { min: 12 })}
        />
        <TextField
          label={t('field.displayName')}
          name="displayName"
          autoComplete="nickname"
          maxLength={100}
          required
        />
        <TextField
          label={t('field.dateOfBirth')}
          name="dateOfBirth"
          type="date"
          autoComplete="bday"
          max={latestBirthDate()}
          required
          hint={t('register.ageHint')}
        />
        <div className="field-row">
          <SelectField
            label={t('field.country')}
            name="country"
            defaultValue={i18n.locale === 'de' ? 'DE' : 'IE'}
            options={countries}
          />
          <SelectField
            label={t('field.currency')}
            name="currency"
            defaultValue="EUR"
            options={CURRENCIES.map((c) => ({ value: c, label: c }))}
          />
        </div>
        <SubmitButton busy={busy} busyLabel={t('register.registering')}>
          {t('register.submit')}
        </SubmitButton>
        <p className="hint">{t('register.responsible')}</p>
        <p className="links">
          <a href="#/login">{t('register.haveAccount')}</a>
        </p>
      </form>
    </div>
  );
}

export function VerifyEmailPage({ token }: { token: string }) {
  const { t } = useI18n();
  const { client, me, reloadMe } = useAuth();
  const report = useReport();
  const [busy, run] = useBusy();
  const [done, setDone] = useState(false);

  const verify = () =>
    run(async () => {
      try {
        await client.call('POST /api/v1/auth/verify-email', { body: { token } });
        setDone(true);
        replaceHash('#/verify-email');
        if (me) await reloadMe();
      } catch (error) {
        report(error);
      }
    });

  return (
    <div className="page narrow">
      <PageHeading>{t('verify.title')}</PageHeading>
      <div className="panel stack">
        {done ? (
          <>
            <p className="callout callout-ok" role="status">
              {t('verify.done')}
            </p>
            <p>
              <a href={me ? '#/account' : '#/login'}>
                {me ? t('verify.toAccount') : t('verify.toSignIn')}
              </a>
            </p>
          </>
        ) : token ? (
          <>
            <p>{t('verify.intro')}</p>
            <div className="actions">
              <button type="button" onClick={verify} disabled={busy} aria-busy={busy || undefined}>
                {t('verify.submit')}
              </button>
            </div>
          </>
        ) : (
          <p className="callout callout-error">{t('verify.noToken')}</p>
        )}
      </div>
    </div>
  );
}

export function ForgotPasswordPage() {
  const { t } = useI18n();
  return (
    <div className="page narrow">
      <PageHeading>{t('reset.requestTitle')}</PageHeading>
      <div className="panel">
        <RequestPasswordReset back={<a href="#/login">{t('reset.backToSignIn')}</a>} />
      </div>
    </div>
  );
}

export function ResetPasswordPage({ token }: { token: string }) {
  const { t } = useI18n();
  return (
    <div className="page narrow">
      <PageHeading>{t('reset.title')}</PageHeading>
      <div className="panel">
        <ResetPassword token={token} signIn={<a href="#/login">{t('reset.toSignIn')}</a>} />
      </div>
    </div>
  );
}
