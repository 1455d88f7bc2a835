// The partner portal: sign-in (with the second factor when enrolled), the company profile,
// API keys, affiliate links, referrals and commission statements, webhooks, and the
// account's security.
import type { ReactNode } from 'react';
import { useI18n } from '../lib/i18n.tsx';
import { navigate, type Route, useRoute } from '../lib/router.ts';
import { useAuth } from '../ui/auth.tsx';
import { useLoader } from '../ui/hooks.ts';
import { useNotify } from '../ui/notices.tsx';
import { PageHeading } from '../ui/page.tsx';
import { RequestPasswordReset, ResetPassword } from '../ui/password.tsx';
import { SecuritySettings } from '../ui/security.tsx';
import { SignInForm } from '../ui/sign-in.tsx';
import { AffiliatePage } from './affiliate-page.tsx';
import { ApiKeysPage } from './api-keys-page.tsx';
import { WebhooksPage } from './webhooks-page.tsx';

function Door({ children, title }: { children: ReactNode; title: string }) {
  return (
    <div className="door">
      <p className="brand">
        iBet <span className="brand-sub">partners</span>
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
    <Door title="Partner sign-in">
      <SignInForm
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

function ProfilePage() {
  const i18n = useI18n();
  const { client, me } = useAuth();
  const profile = useLoader(() => client.call('GET /api/v1/partner/profile'), [client]);
  const p = profile.data;
  return (
    <div className="page">
      <PageHeading>{p?.companyName ?? 'Profile'}</PageHeading>
      {!p ? (
        <p className="muted">{profile.loading ? 'Loading…' : 'The profile could not be read.'}</p>
      ) : (
        <section className="panel" aria-labelledby="profile-heading">
          <h2 id="profile-heading">Profile</h2>
          <dl className="facts">
            <div>
              <dt>Company</dt>
              <dd>{p.companyName}</dd>
            </div>
            <div>
              <dt>Type</dt>
              <dd>{p.type === 'b2b' ? 'B2B (API client)' : 'Affiliate'}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <span className="badge badge-ok">{p.status}</span>
              </dd>
            </div>
            <div>
              <dt>Email</dt>
              <dd>{p.email}</dd>
            </div>
            <div>
              <dt>Partner since</dt>
              <dd>{i18n.date(p.createdAt)}</dd>
            </div>
            <div>
              <dt>Second factor</dt>
              <dd>
                {me?.mfaEnabled ? (
                  <span className="badge badge-ok">on</span>
                ) : (
                  <a href="#/account">Set one up</a>
                )}
              </dd>
            </div>
          </dl>
        </section>
      )}
      <section className="panel stack" aria-labelledby="feed-heading">
        <h2 id="feed-heading">The odds feed</h2>
        <p>
          Programs send an API key with the <code>odds:read</code> scope as the{' '}
          <code>X-Api-Key</code> header:
        </p>
        <pre className="code-block">
          {`curl ${window.location.origin}/api/v1/b2b/odds?limit=50 \\\n  -H "X-Api-Key: $IBET_API_KEY"`}
        </pre>
        <p>
          The reference is at <a href="/api/docs">/api/docs</a>.
        </p>
      </section>
    </div>
  );
}

export function PartnerApp() {
  const route = useRoute();
  const { me, signOut } = useAuth();
  const notify = useNotify();
  if (me === undefined) return <p className="muted page">Loading…</p>;
  if (me === null) return <SignedOut route={route} />;
  const first = route.segments[0] ?? '';
  let screen: ReactNode;
  switch (first) {
    case 'keys':
      screen = <ApiKeysPage />;
      break;
    case 'affiliate':
      screen = <AffiliatePage />;
      break;
    case 'webhooks':
      screen = <WebhooksPage />;
      break;
    case 'account':
      screen = (
        <div className="page">
          <PageHeading>Account security</PageHeading>
          <SecuritySettings />
        </div>
      );
      break;
    case 'reset-password':
      screen = (
        <div className="page">
          <PageHeading>Choose a new password</PageHeading>
          <ResetPassword token={route.query.get('token') ?? ''} signIn={<a href="#/">Sign in</a>} />
        </div>
      );
      break;
    default:
      screen = <ProfilePage />;
  }
  return (
    <div className="app partner-app">
      <button
        type="button"
        className="skip-link"
        onClick={() => document.getElementById('main')?.focus()}
      >
        Skip to content
      </button>
      <header className="site-header">
        <a className="brand" href="#/">
          iBet <span className="brand-sub">partners</span>
        </a>
        <nav className="main-nav" aria-label="Partner portal">
          <a href="#/" aria-current={first === '' ? 'page' : undefined}>
            Profile
          </a>
          <a href="#/keys" aria-current={first === 'keys' ? 'page' : undefined}>
            API keys
          </a>
          <a href="#/affiliate" aria-current={first === 'affiliate' ? 'page' : undefined}>
            Affiliate
          </a>
          <a href="#/webhooks" aria-current={first === 'webhooks' ? 'page' : undefined}>
            Webhooks
          </a>
          <a href="#/account" aria-current={first === 'account' ? 'page' : undefined}>
            Security
          </a>
        </nav>
        <div className="header-tools">
          <span className="muted small">{me.email}</span>
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
      <main id="main" className="layout-single" tabIndex={-1}>
        {screen}
      </main>
    </div>
  );
}
