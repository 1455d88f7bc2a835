// The password reset pages of every door: ask for a link by address, then set a new password
// with the token of the mailed link (#/reset-password?token=…).
import { type FormEvent, type ReactNode, useState } from 'react';
import type { Door } from '../api/client.ts';
import { useI18n } from '../lib/i18n.tsx';
import { replaceHash } from '../lib/router.ts';
import { useApi } from './auth.tsx';
import { formText, SubmitButton, TextField } from './forms.tsx';
import { useBusy } from './hooks.ts';
import { useReport } from './notices.tsx';

const REQUEST = {
  player: 'POST /api/v1/auth/password-reset',
  staff: 'POST /api/v1/staff/auth/password-reset',
  partner: 'POST /api/v1/partner/auth/password-reset',
} as const;

const CONFIRM = {
  player: 'POST /api/v1/auth/password-reset/confirm',
  staff: 'POST /api/v1/staff/auth/password-reset/confirm',
  partner: 'POST /api/v1/partner/auth/password-reset/confirm',
} as const;

/** Shortest password of each door (staff need 15 characters, others 12). */
export const MIN_PASSWORD: Record<Door, number> = { player: 12, staff: 15, partner: 12 };

export function RequestPasswordReset({ back }: { back: ReactNode }) {
  const client = useApi();
  const { t } = useI18n();
  const report = useReport();
  const [busy, run] = useBusy();
  const [sent, setSent] = useState<string | null>(null);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const email = formText(new FormData(event.currentTarget), 'email');
    void run(async () => {
      try {
        await client.call(REQUEST[client.door], { body: { email } });
        setSent(email);
      } catch (error) {
        report(error);
      }
    });
  };

  return (
    <div className="stack">
      {sent ? (
        <p role="status" className="callout">
          {t('reset.sent', { email: sent })}
        </p>
      ) : (
        <form className="stack" onSubmit={submit}>
          <p>{t('reset.requestIntro')}</p>
          <TextField
            label={t('field.email')}
            name="email"
            type="email"
            autoComplete="email"
            required
          />
          <SubmitButton busy={busy} busyLabel={t('common.sending')}>
            {t('reset.send')}
          </SubmitButton>
        </form>
      )}
      {back}
    </div>
  );
}

export function ResetPassword({ token, signIn }: { token: string; signIn: ReactNode }) {
  const client = useApi();
  const { t } = useI18n();
  const report = useReport();
  const [busy, run] = useBusy();
  const [done, setDone] = useState(false);
  const [mismatch, setMismatch] = useState(false);
  const min = MIN_PASSWORD[client.door];

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const password = String(data.get('password') ?? '');
    if (password !== String(data.get('repeat') ?? '')) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void run(async () => {
      try {
        await client.call(CONFIRM[client.door], { body: { token, password } });
        setDone(true);
        replaceHash('#/reset-password'); // the used token leaves the address bar
      } catch (error) {
        report(error);
      }
    });
  };

  if (!token) return <p className="callout callout-error">{t('reset.noToken')}</p>;
  if (done) {
    return (
      <div className="stack">
        <p role="status" className="callout callout-ok">
          {t('reset.done')}
        </p>
        {signIn}
      </div>
    );
  }
  return (
    <form className="stack" onSubmit={submit}>
      <TextField
        label={t('reset.newPassword')}
        name="password"
        type="password"
        autoComplete="new-password"
        minLength={min}
        maxLength={128}
        required
        hint={t('password.hint', { min })}
      />
      <TextField
        label={t('reset.repeat')}
        name="repeat"
        type="password"
        autoComplete="new-password"
        minLength={min}
        maxLength={128}
        required
        error={mismatch ? t('reset.mismatch') : null}
      />
      <SubmitButton busy={busy} busyLabel={t('common.saving')}>
        {t('reset.save')}
      </SubmitButton>
    </form>
  );
}
