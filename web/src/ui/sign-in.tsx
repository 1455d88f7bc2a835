// Signing in at one door: email and password, then — for accounts with a second factor — a
// code from the authenticator app or a recovery code.
import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError } from '../api/client.ts';
import type { Me } from '../api/types.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useAuth } from './auth.tsx';
import { CodeField, formText, SubmitButton, TextField } from './forms.tsx';
import { useBusy } from './hooks.ts';
import { useReport } from './notices.tsx';

const LOGIN = {
  player: 'POST /api/v1/auth/login',
  staff: 'POST /api/v1/staff/auth/login',
  partner: 'POST /api/v1/partner/auth/login',
} as const;

const LOGIN_MFA = {
  player: 'POST /api/v1/auth/login/mfa',
  staff: 'POST /api/v1/staff/auth/login/mfa',
  partner: 'POST /api/v1/partner/auth/login/mfa',
} as const;

export function SignInForm({
  onSignedIn,
  footer,
  passwordMinLength = 12,
}: {
  onSignedIn?: (me: Me) => void;
  footer?: ReactNode;
  passwordMinLength?: number;
}) {
  const { client, signedIn } = useAuth();
  const { t } = useI18n();
  const report = useReport();
  const [busy, run] = useBusy();
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const [recovery, setRecovery] = useState(false);

  const submitPassword = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    void run(async () => {
      try {
        const answer = await client.call(LOGIN[client.door], {
          body: { email: formText(data, 'email'), password: String(data.get('password') ?? '') },
        });
        if ('mfaRequired' in answer) {
          setMfaToken(answer.mfaToken);
          return;
        }
        onSignedIn?.(await signedIn(answer));
      } catch (error) {
        report(error);
      }
    });
  };

  const submitCode = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!mfaToken) return;
    const data = new FormData(event.currentTarget);
    void run(async () => {
      try {
        const tokens = await client.call(LOGIN_MFA[client.door], {
          body: recovery
            ? { mfaToken, recoveryCode: formText(data, 'recoveryCode') }
            : { mfaToken, code: formText(data, 'code') },
        });
        const me = await signedIn(tokens);
        setMfaToken(null);
        onSignedIn?.(me);
      } catch (error) {
        // An expired or refused second step starts the sign-in over.
        if (error instanceof ApiError && error.code === 'mfa_token_invalid') setMfaToken(null);
        report(error);
      }
    });
  };

  if (mfaToken) {
    return (
      <form className="stack" onSubmit={submitCode} aria-labelledby="mfa-step-heading">
        <h2 id="mfa-step-heading">{t('signIn.codeHeading')}</h2>
        <p>{t('signIn.codeIntro')}</p>
        {recovery ? (
          <TextField
            label={t('mfa.recoveryCode')}
            name="recoveryCode"
            autoComplete="off"
            required
            autoFocus
          />
        ) : (
          <CodeField label={t('mfa.code')} autoFocus />
        )}
        <div className="actions">
          <SubmitButton busy={busy} busyLabel={t('signIn.checking')}>
            {t('signIn.verify')}
          </SubmitButton>
          <button type="button" className="link" onClick={() => setRecovery(!recovery)}>
            {recovery ? t('mfa.useCode') : t('mfa.useRecoveryCode')}
          </button>
          <button type="button" className="link" onClick={() => setMfaToken(null)}>
            {t('signIn.startOver')}
          </button>
        </div>
      </form>
    );
  }

  return (
    <form className="stack" onSubmit={submitPassword}>
      <TextField
        label={t('field.email')}
        name="email"
        type="email"
        autoComplete="username"
        required
        autoFocus
      />
      <TextField
        label={t('field.password')}
        name="password"
        type="password"
        autoComplete="current-password"
        minLength={passwordMinLength}
        required
      />
      <SubmitButton busy={busy} busyLabel={t('signIn.signingIn')}>
        {t('signIn.submit')}
      </SubmitButton>
      {footer}
    </form>
  );
}
