// The back office's entry point (served at /backoffice/).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from '../api/client.ts';
import { I18nProvider } from '../lib/i18n.tsx';
import { AuthProvider } from '../ui/auth.tsx';
import { NoticeProvider } from '../ui/notices.tsx';
import { StepUpProvider } from '../ui/step-up.tsx';
import '../ui/base.css';
import './backoffice.css';
import { BackOfficeApp } from './app.tsx';

const client = createClient('staff');
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <I18nProvider locales={['en']}>
        <NoticeProvider>
          <AuthProvider client={client}>
            <StepUpProvider client={client}>
              <BackOfficeApp />
            </StepUpProvider>
          </AuthProvider>
        </NoticeProvider>
      </I18nProvider>
    </StrictMode>,
  );
}
