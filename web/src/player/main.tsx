// The player site's entry point: providers around the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from '../api/client.ts';
import { I18nProvider } from '../lib/i18n.tsx';
import { AuthProvider } from '../ui/auth.tsx';
import { NoticeProvider } from '../ui/notices.tsx';
import { RealtimeProvider } from '../ui/realtime.tsx';
import { StepUpProvider } from '../ui/step-up.tsx';
import '../ui/base.css';
import './player.css';
import { AccountDataProvider } from './account/account-data.tsx';
import { PlayerApp } from './app.tsx';
import { CatalogProvider } from './catalog/catalog-data.tsx';
import { OddsFormatProvider } from './odds-format.tsx';
import { SlipProvider } from './slip/slip.tsx';

const client = createClient('player');
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <I18nProvider locales={['en', 'de']}>
        <NoticeProvider>
          <AuthProvider client={client}>
            <RealtimeProvider client={client}>
              <StepUpProvider client={client}>
                <CatalogProvider>
                  <AccountDataProvider>
                    <OddsFormatProvider>
                      <SlipProvider>
                        <PlayerApp />
                      </SlipProvider>
                    </OddsFormatProvider>
                  </AccountDataProvider>
                </CatalogProvider>
              </StepUpProvider>
            </RealtimeProvider>
          </AuthProvider>
        </NoticeProvider>
      </I18nProvider>
    </StrictMode>,
  );
}
