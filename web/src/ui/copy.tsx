// Copies a text (an API key, recovery codes) to the clipboard and says so.
import { useState } from 'react';
import { useI18n } from '../lib/i18n.tsx';

export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    window.setTimeout(() => setState('idle'), 4000);
  };
  return (
    <span className="copy">
      <button type="button" className="secondary" onClick={copy}>
        {label ?? t('copy.copy')}
      </button>
      <span role="status" className="copy-status">
        {state === 'copied' ? t('copy.copied') : state === 'failed' ? t('copy.failed') : ''}
      </span>
    </span>
  );
}
