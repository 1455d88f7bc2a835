// The player site: a header with the main navigation, the screen of the current address, and
// the bet slip beside it (on a phone: behind the "Bet slip" button at the bottom).
import type { ReactNode } from 'react';
import { LOCALES, type Locale, useI18n } from '../lib/i18n.tsx';
import { ODDS_FORMATS, type OddsFormat } from '../lib/odds.ts';
import { type Route, useRoute } from '../lib/router.ts';
import { useAuth } from '../ui/auth.tsx';
import { useAccountData } from './account/account-data.tsx';
import { AccountPage } from './account/account-page.tsx';
import { RealityCheck, ResponsibleGamblingPage } from './account/responsible-gambling.tsx';
import {
  ForgotPasswordPage,
  RegisterPage,
  ResetPasswordPage,
  SignInPage,
  VerifyEmailPage,
} from './account/sign-in-page.tsx';
import { MyBetsPage } from './bets/my-bets.tsx';
import { EventPage } from './catalog/event-page.tsx';
import { HomePage } from './catalog/home-page.tsx';
import { MessagesPage } from './messages/messages-page.tsx';
import { useOddsFormat } from './odds-format.tsx';
import { PromotionsPage } from './promotions/promotions-page.tsx';
import { BetSlip } from './slip/bet-slip.tsx';
import { useSlip } from './slip/slip.tsx';
import { WalletPage } from './wallet/wallet-page.tsx';

function SignedIn({ route, children }: { route: Route; children: ReactNode }) {
  const { me } = useAuth();
  const { t } = useI18n();
  if (me === undefined) {
    return (
      <p className="muted page" role="status">
        {t('common.loading')}
      </p>
    );
  }
  if (me === null || me.kind !== 'player') return <SignInPage next={route.path} />;
  return <>{children}</>;
}

function Screen({ route }: { route: Route }) {
  const [first = '', second = ''] = route.segments;
  const token = route.query.get('token') ?? '';
  switch (first) {
    case '':
      return <HomePage filter={{}} />;
    case 'sport':
      return <HomePage filter={{ sport: second }} />;
    case 'competition':
      return <HomePage filter={{ competitionId: second }} />;
    case 'event':
      return <EventPage key={second} id={second} />;
    case 'slip':
      return (
        <div className="page">
          <BetSlip headingLevel={1} />
        </div>
      );
    case 'bets':
      return (
        <SignedIn route={route}>
          <MyBetsPage status={second === 'settled' ? 'settled' : 'open'} />
        </SignedIn>
      );
    case 'wallet':
      return (
        <SignedIn route={route}>
          <WalletPage />
        </SignedIn>
      );
    case 'promotions':
      return (
        <SignedIn route={route}>
          <PromotionsPage />
        </SignedIn>
      );
    case 'messages':
      return (
        <SignedIn route={route}>
          <MessagesPage />
        </SignedIn>
      );
    case 'account':
      return (
        <SignedIn route={route}>
          {second === 'safer-gambling' ? <ResponsibleGamblingPage /> : <AccountPage />}
        </SignedIn>
      );
    case 'login':
      return <SignInPage next={route.query.get('next')} />;
    case 'register':
      return <RegisterPage />;
    case 'forgot-password':
      return <ForgotPasswordPage />;
    case 'reset-password':
      return <ResetPasswordPage token={token} />;
    case 'verify-email':
      return <VerifyEmailPage token={token} />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  const { t } = useI18n();
  return (
    <div className="page">
      <h1 className="page-title">{t('notFound.title')}</h1>
      <p>
        <a href="#/">{t('nav.backToEvents')}</a>
      </p>
    </div>
  );
}

function NavLink({ to, current, children }: { to: string; current: boolean; children: ReactNode }) {
  return (
    <a href={`#${to}`} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
}

function Header({ route }: { route: Route }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me } = useAuth();
  const { wallet } = useAccountData();
  const odds = useOddsFormat();
  const first = route.segments[0] ?? '';
  const player = me?.kind === 'player';
  return (
    <header className="site-header">
      <a className="brand" href="#/">
        iBet
      </a>
      <nav className="main-nav" aria-label={t('nav.main')}>
        <NavLink to="/" current={['', 'sport', 'competition', 'event'].includes(first)}>
          {t('nav.sports')}
        </NavLink>
        <NavLink to="/bets" current={first === 'bets'}>
          {t('nav.myBets')}
        </NavLink>
        <NavLink to="/wallet" current={first === 'wallet'}>
          {t('nav.wallet')}
        </NavLink>
        {player ? (
          <NavLink to="/messages" current={first === 'messages'}>
            {t('nav.messages')}
          </NavLink>
        ) : null}
        <NavLink
          to={player ? '/account' : '/login'}
          current={['account', 'login', 'register'].includes(first)}
        >
          {player ? t('nav.account') : t('nav.signIn')}
        </NavLink>
      </nav>
      <div className="header-tools">
        {player && wallet ? (
          <a className="balance-chip" href="#/wallet" data-testid="header-balance">
            <span className="visually-hidden">{t('wallet.balance')}: </span>
            {i18n.money(wallet.balance, wallet.currency)}
          </a>
        ) : null}
        <label className="visually-hidden" htmlFor="odds-format">
          {t('nav.oddsFormat')}
        </label>
        <select
          id="odds-format"
          className="language"
          value={odds.format}
          onChange={(e) => odds.setFormat(e.target.value as OddsFormat)}
        >
          {ODDS_FORMATS.map((f) => (
            <option key={f} value={f}>
              {t(`odds.${f}`)}
            </option>
          ))}
        </select>
        <label className="visually-hidden" htmlFor="language">
          {t('nav.language')}
        </label>
        <select
          id="language"
          className="language"
          value={i18n.locale}
          onChange={(e) => i18n.setLocale(e.target.value as Locale)}
        >
          {i18n.locales.map((l) => (
            <option key={l} value={l} lang={l}>
              {LOCALES[l].name}
            </option>
          ))}
        </select>
      </div>
    </header>
  );
}

export function PlayerApp() {
  const { t } = useI18n();
  const route = useRoute();
  const { state } = useSlip();
  const onSlipPage = route.segments[0] === 'slip';
  const count = state.legs.length;
  return (
    <div className="app player-app">
      <button
        type="button"
        className="skip-link"
        onClick={() => document.getElementById('main')?.focus()}
      >
        {t('nav.skip')}
      </button>
      <Header route={route} />
      <div className="layout">
        <main id="main" tabIndex={-1}>
          <Screen route={route} />
        </main>
        {onSlipPage ? null : (
          <aside className="slip-column" aria-label={t('slip.title')}>
            <BetSlip />
          </aside>
        )}
      </div>
      {count > 0 && !onSlipPage ? (
        <a className="slip-jump" href="#/slip">
          {t('slip.jump', { count })}
        </a>
      ) : null}
      <footer className="site-footer">
        <p>
          <strong>18+</strong> · {t('footer.responsible')}{' '}
          <a href="#/account/safer-gambling">{t('rg.title')}</a>
        </p>
      </footer>
      <RealityCheck />
    </div>
  );
}
