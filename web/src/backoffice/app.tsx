// The back office (staff door): sign-in with the second factor — enrolled on first sign-in,
// because staff must have one — then the areas the staff member's permissions open.
import type { ReactNode } from 'react';
import { navigate, type Route, useRoute } from '../lib/router.ts';
import { useAuth } from '../ui/auth.tsx';
import { MfaEnrolment } from '../ui/mfa.tsx';
import { useNotify } from '../ui/notices.tsx';
import { PageHeading } from '../ui/page.tsx';
import { MIN_PASSWORD, RequestPasswordReset, ResetPassword } from '../ui/password.tsx';
import { SecuritySettings } from '../ui/security.tsx';
import { SignInForm } from '../ui/sign-in.tsx';
import { AffiliatePlansPage } from './affiliates/plans-page.tsx';
import { StatementsPage } from './affiliates/statements-page.tsx';
import { AuditPage } from './audit/audit-page.tsx';
import { AmlPage } from './compliance/aml-page.tsx';
import { KycPage } from './compliance/kyc-page.tsx';
import { LedgerPage } from './ledger/ledger-page.tsx';
import { LoyaltyPage } from './loyalty/loyalty-page.tsx';
import { MailPage } from './mail/mail-page.tsx';
import { OperationsPage } from './operations/operations-page.tsx';
import { PartnersPage } from './partners/partners-page.tsx';
import { type Area, areasOf } from './permissions.ts';
import { PromotionsAdminPage } from './promotions/promotions-page.tsx';
import { LiabilityPage } from './risk/liability-page.tsx';
import { RiskPage } from './risk/risk-page.tsx';
import { TickerPage } from './risk/ticker-page.tsx';
import { RolesPage } from './staff/roles-page.tsx';
import { StaffPage } from './staff/staff-page.tsx';
import { SupportPage } from './support/support-page.tsx';
import { EventDesk } from './trading/event-desk.tsx';
import { TradingPage } from './trading/trading-page.tsx';

function Door({ children, title }: { children: ReactNode; title: string }) {
  return (
    <div className="door">
      <p className="brand">
        iBet <span className="brand-sub">back office</span>
      </p>
      <main id="main" className="panel door-panel" tabIndex={-1}>
        <PageHeading>{title}</PageHeading>
        {children}
      </main>
    </div>
  );
}

function SignedOut({ route }: { route: Route }) {
  const notify = useNotify();
  const first = route.segments[0];
  if (first === 'reset-password') {
    return (
      <Door title="Choose a new password">
        <ResetPassword token={route.query.get('token') ?? ''} signIn={<a href="#/">Sign in</a>} />
      </Door>
    );
  }
  if (first === 'forgot-password') {
    return (
      <Door title="Reset your password">
        <RequestPasswordReset back={<a href="#/">Back to sign-in</a>} />
      </Door>
    );
  }
  return (
    <Door title="Staff sign-in">
      <SignInForm
        passwordMinLength={MIN_PASSWORD.staff}
        onSignedIn={(me) => notify(`Signed in as ${me.displayName}.`, 'success')}
        footer={
          <p className="links">
            <a href="#/forgot-password">Forgot your password?</a>
          </p>
        }
      />
    </Door>
  );
}

function Overview({ areas }: { areas: Area[] }) {
  const { me } = useAuth();
  return (
    <div className="page">
      <PageHeading>Welcome, {me?.displayName}</PageHeading>
      <p className="muted">
        Roles: {me?.roles.join(', ') || 'none'} · {me?.permissions.length ?? 0} permissions
      </p>
      {areas.length === 0 ? (
        <p className="callout">Your roles open no area of the back office yet.</p>
      ) : (
        <ul className="cards">
          {areas.map((area) => (
            <li key={area.path} className="panel">
              <h2>
                <a href={`#${area.path}`}>{area.label}</a>
              </h2>
              <p className="muted">{area.description}</p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Forbidden() {
  return (
    <div className="page">
      <PageHeading>Not available</PageHeading>
      <p>Your roles do not include this area.</p>
    </div>
  );
}

function Screen({ route, areas }: { route: Route; areas: Area[] }) {
  const [first = '', second = '', third = ''] = route.segments;
  if (first === '') return <Overview areas={areas} />;
  if (first === 'account') {
    return (
      <div className="page">
        <PageHeading>My account</PageHeading>
        <SecuritySettings />
      </div>
    );
  }
  if (first === 'reset-password') {
    return (
      <div className="page">
        <PageHeading>Choose a new password</PageHeading>
        <ResetPassword token={route.query.get('token') ?? ''} signIn={<a href="#/">Sign in</a>} />
      </div>
    );
  }
  if (!areas.some((a) => a.path === `/${first}`)) return <Forbidden />;
  switch (first) {
    case 'trading':
      return second === 'event' && third ? <EventDesk id={third} /> : <TradingPage />;
    case 'liability':
      return <LiabilityPage eventId={second} />;
    case 'ticker':
      return <TickerPage />;
    case 'support':
      return <SupportPage playerId={second} query={route.query.get('q') ?? ''} />;
    case 'risk':
      return <RiskPage kind={second} id={third} />;
    case 'operations':
      return <OperationsPage />;
    case 'kyc':
      return <KycPage playerId={second} />;
    case 'aml':
      return <AmlPage />;
    case 'promotions':
      return <PromotionsAdminPage />;
    case 'loyalty':
      return <LoyaltyPage />;
    case 'staff':
      return <StaffPage />;
    case 'roles':
      return <RolesPage />;
    case 'partners':
      return <PartnersPage />;
    case 'affiliate-plans':
      return <AffiliatePlansPage />;
    case 'affiliate-statements':
      return <StatementsPage />;
    case 'audit':
      return <AuditPage />;
    case 'mail':
      return <MailPage />;
    case 'ledger':
      return <LedgerPage />;
    default:
      return <Forbidden />;
  }
}

export function BackOfficeApp() {
  const route = useRoute();
  const { me, reloadMe, signOut } = useAuth();
  const notify = useNotify();
  if (me === undefined) return <p className="muted page">Loading…</p>;
  if (me === null) return <SignedOut route={route} />;
  if (!me.mfaEnabled) {
    return (
      <Door title="Set up your second factor">
        <p>
          Staff sign in with a password and a code from an authenticator app. Set one up now to
          continue.
        </p>
        <MfaEnrolment onDone={() => void reloadMe()} />
      </Door>
    );
  }
  const areas = areasOf(me);
  const first = route.segments[0] ?? '';
  return (
    <div className="app backoffice-app">
      <button
        type="button"
        className="skip-link"
        onClick={() => document.getElementById('main')?.focus()}
      >
        Skip to content
      </button>
      <header className="site-header">
        <a className="brand" href="#/">
          iBet <span className="brand-sub">back office</span>
        </a>
        <div className="header-tools">
          <a href="#/account" aria-current={first === 'account' ? 'page' : undefined}>
            {me.displayName}
          </a>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              // Signed out here at once; the server is told in the background.
              void signOut();
              notify('You are signed out.', 'info');
              navigate('/');
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <div className="layout">
        <nav className="side-nav" aria-label="Back office">
          <ul>
            <li>
              <a href="#/" aria-current={first === '' ? 'page' : undefined}>
                Overview
              </a>
            </li>
            {areas.map((area) => (
              <li key={area.path}>
                <a
                  href={`#${area.path}`}
                  aria-current={`/${first}` === area.path ? 'page' : undefined}
                >
                  {area.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <Screen route={route} areas={areas} />
        </main>
      </div>
    </div>
  );
}
