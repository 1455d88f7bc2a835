// The player's messages: settled bets, payments.
import { useEffect } from 'react';
import { useI18n } from '../../lib/i18n.tsx';
import { PageHeading } from '../../ui/page.tsx';
import { useAccountData } from '../account/account-data.tsx';

export function MessagesPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { messages, refresh } = useAccountData();
  // Opening the inbox reads it afresh.
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return (
    <div className="page">
      <PageHeading>{t('messages.title')}</PageHeading>
      {messages === undefined ? (
        <p className="muted" role="status">
          {t('common.loading')}
        </p>
      ) : messages.length === 0 ? (
        <p className="muted">{t('messages.empty')}</p>
      ) : (
        <ol className="messages">
          {messages.map((m) => (
            <li key={m.id} className="message panel">
              <p className="message-head">
                <strong>{m.title}</strong>{' '}
                <time className="muted small" dateTime={m.createdAt}>
                  {i18n.dateTime(m.createdAt)}
                </time>
              </p>
              <p>{m.body}</p>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
