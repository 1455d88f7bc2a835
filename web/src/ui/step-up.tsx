// Step-up: a sensitive action (a withdrawal, granting roles, issuing an API key) on an account
// with a second factor needs a fresh proof. The API client calls this dialog when the server
// answers 403 step_up_required; once the code is accepted, the client retries the action.
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import { describeError } from '../api/problems.ts';
import { useI18n } from '../lib/i18n.tsx';
import { Dialog } from './dialog.tsx';
import { CodeField, formText, SubmitButton, TextField } from './forms.tsx';
import { useBusy } from './hooks.ts';

export function StepUpProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [open, setOpen] = useState(false);
  const [recovery, setRecovery] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const resolver = useRef<((proved: boolean) => void) | null>(null);
  const [busy, run] = useBusy();

  useEffect(() => {
    client.hooks.onStepUpRequired = () =>
      new Promise<boolean>((resolve) => {
        resolver.current?.(false);
        resolver.current = resolve;
        setError(null);
        setRecovery(false);
        setOpen(true);
      });
    return () => {
      client.hooks.onStepUpRequired = undefined;
    };
  }, [client]);

  const finish = (proved: boolean) => {
    setOpen(false);
    resolver.current?.(proved);
    resolver.current = null;
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    void run(async () => {
      try {
        const body = recovery
          ? { recoveryCode: formText(data, 'recoveryCode') }
          : { code: formText(data, 'code') };
        const proof = await client.call('POST /api/v1/mfa/step-up', { body });
        client.tokens.setAccessToken(proof.accessToken);
        finish(true);
      } catch (failure) {
        setError(describeError(failure, i18n));
      }
    });
  };

  return (
    <>
      {children}
      <Dialog open={open} title={t('stepUp.title')} onClose={() => finish(false)}>
        <form className="stack" onSubmit={submit} noValidate={recovery}>
          <p>{t('stepUp.intro')}</p>
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
          <p className="field-error" role="alert">
            {error ?? ''}
          </p>
          <div className="actions">
            <SubmitButton busy={busy} busyLabel={t('stepUp.checking')}>
              {t('stepUp.confirm')}
            </SubmitButton>
            <button type="button" className="secondary" onClick={() => finish(false)}>
              {t('common.cancel')}
            </button>
            <button type="button" className="link" onClick={() => setRecovery(!recovery)}>
              {recovery ? t('mfa.useCode') : t('mfa.useRecoveryCode')}
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
