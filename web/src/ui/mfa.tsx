// Enrolling an authenticator app (TOTP): a QR code and the secret to type, a first code to
// confirm, then ten recovery codes shown once. The QR code is the server's SVG shown as an
// image (never inserted into the page as markup, so it cannot run anything).
import { type FormEvent, useState } from 'react';
import type { TotpEnrolment } from '../api/types.ts';
import { useI18n } from '../lib/i18n.tsx';
import { useApi } from './auth.tsx';
import { CopyButton } from './copy.tsx';
import { CodeField, formText, SubmitButton } from './forms.tsx';
import { useBusy } from './hooks.ts';
import { useReport } from './notices.tsx';

/** The secret in groups of four, as authenticator apps show it. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

export function QrCode({ svg, label }: { svg: string; label: string }) {
  return (
    <img
      className="qr"
      src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
      alt={label}
      width={200}
      height={200}
    />
  );
}

export function RecoveryCodes({ codes }: { codes: string[] }) {
  const { t } = useI18n();
  return (
    <div className="stack">
      <p>{t('mfa.recoveryIntro')}</p>
      <ol className="recovery-codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <CopyButton text={codes.join('\n')} label={t('mfa.copyCodes')} />
    </div>
  );
}

/** The whole enrolment; `onDone` runs after the recovery codes were shown and acknowledged. */
export function MfaEnrolment({ onDone }: { onDone: () => void }) {
  const client = useApi();
  const { t } = useI18n();
  const report = useReport();
  const [busy, run] = useBusy();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);

  const start = () =>
    run(async () => {
      try {
        setEnrolment(await client.call('POST /api/v1/mfa/totp'));
      } catch (error) {
        report(error);
      }
    });

  const confirm = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    void run(async () => {
      try {
        const answer = await client.call('POST /api/v1/mfa/totp/confirm', {
          body: { code: formText(data, 'code') },
        });
        client.tokens.setAccessToken(answer.accessToken);
        setCodes(answer.recoveryCodes);
      } catch (error) {
        report(error);
      }
    });
  };

  if (codes) {
    return (
      <section className="stack" aria-labelledby="mfa-done-heading">
        <h3 id="mfa-done-heading">{t('mfa.enabledHeading')}</h3>
        <RecoveryCodes codes={codes} />
        <div className="actions">
          <button type="button" onClick={onDone}>
            {t('mfa.savedCodes')}
          </button>
        </div>
      </section>
    );
  }

  if (!enrolment) {
    return (
      <div className="stack">
        <p>{t('mfa.intro')}</p>
        <div className="actions">
          <button type="button" onClick={start} disabled={busy} aria-busy={busy || undefined}>
            {t('mfa.start')}
          </button>
        </div>
      </div>
    );
  }

  const uri = enrolment.otpauthUri.startsWith('otpauth://') ? enrolment.otpauthUri : null;
  return (
    <form className="stack" onSubmit={confirm}>
      <ol className="steps">
        <li>{t('mfa.stepScan')}</li>
        <li>{t('mfa.stepCode')}</li>
      </ol>
      <div className="qr-row">
        <QrCode svg={enrolment.qrSvg} label={t('mfa.qrLabel')} />
        <div className="stack">
          <p>{t('mfa.secretIntro')}</p>
          <p>
            <code className="secret" data-testid="totp-secret" data-secret={enrolment.secret}>
              {grouped(enrolment.secret)}
            </code>
          </p>
          <CopyButton text={enrolment.secret} label={t('mfa.copySecret')} />
          {uri ? <a href={uri}>{t('mfa.openApp')}</a> : null}
        </div>
      </div>
      <CodeField label={t('mfa.code')} hint={t('mfa.codeHint')} />
      <SubmitButton busy={busy} busyLabel={t('mfa.confirming')}>
        {t('mfa.confirm')}
      </SubmitButton>
    </form>
  );
}
