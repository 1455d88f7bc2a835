// The security part of every account page: the second factor (enrol, new recovery codes,
// remove — staff may not) and the list of sign-ins.
import { useState } from 'react';
import { useI18n } from '../lib/i18n.tsx';
import { useAuth } from './auth.tsx';
import { useBusy } from './hooks.ts';
import { MfaEnrolment, RecoveryCodes } from './mfa.tsx';
import { useNotify, useReport } from './notices.tsx';
import { SessionsList } from './sessions.tsx';

export function SecuritySettings() {
  const { client, me, reloadMe } = useAuth();
  const { t } = useI18n();
  const report = useReport();
  const notify = useNotify();
  const [busy, run] = useBusy();
  const [codes, setCodes] = useState<string[] | null>(null);
  if (!me) return null;

  const newCodes = () =>
    run(async () => {
      try {
        const answer = await client.call('POST /api/v1/mfa/recovery-codes');
        setCodes(answer.recoveryCodes);
      } catch (error) {
        report(error);
      }
    });

  const remove = () =>
    run(async () => {
      if (!window.confirm(t('mfa.removeConfirm'))) return;
      try {
        await client.call('DELETE /api/v1/mfa/totp');
        notify(t('mfa.removed'), 'success');
        await reloadMe();
      } catch (error) {
        report(error);
      }
    });

  return (
    <>
      <section className="panel stack" aria-labelledby="mfa-heading">
        <h2 id="mfa-heading">{t('mfa.heading')}</h2>
        {me.mfaEnabled ? (
          <>
            <p>
              <span className="badge badge-ok">{t('mfa.on')}</span> {t('mfa.onIntro')}
            </p>
            {codes ? <RecoveryCodes codes={codes} /> : null}
            <div className="actions">
              <button type="button" className="secondary" disabled={busy} onClick={newCodes}>
                {t('mfa.newCodes')}
              </button>
              {me.kind === 'staff' ? null : (
                <button type="button" className="danger" disabled={busy} onClick={remove}>
                  {t('mfa.remove')}
                </button>
              )}
            </div>
          </>
        ) : (
          <MfaEnrolment
            onDone={() => {
              notify(t('mfa.enabled'), 'success');
              void reloadMe();
            }}
          />
        )}
      </section>
      <section className="panel stack" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">{t('sessions.heading')}</h2>
        <SessionsList />
      </section>
    </>
  );
}
