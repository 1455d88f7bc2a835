CREATE SCHEMA identity;

CREATE TABLE identity.accounts (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  kind          text        NOT NULL CHECK (kind IN ('player', 'staff', 'partner')),
  email         text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  password_hash text        NOT NULL,
  display_name  text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
  date_of_birth date,
  country       char(2),
  currency      char(3),
  roles         text[]      NOT NULL DEFAULT '{}',
  status        text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
  email_verified_at timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT player_profile CHECK (
    kind <> 'player' OR (date_of_birth IS NOT NULL AND country IS NOT NULL AND currency IS NOT NULL)
  ),
  CONSTRAINT roles_only_for_staff CHECK (kind = 'staff' OR roles = '{}')
);
-- One account per address and kind: the same person may be a player and a staff member.
CREATE UNIQUE INDEX accounts_email ON identity.accounts (kind, lower(email));

-- A session is one sign-in: it ends when idle for too long, at its absolute end, at logout,
-- or when revoked (by the player, by staff, or on refresh-token reuse).
CREATE TABLE identity.sessions (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id      uuid        NOT NULL REFERENCES identity.accounts (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  idle_seconds    integer     NOT NULL CHECK (idle_seconds > 0),
  expires_at      timestamptz NOT NULL,
  -- When this sign-in last proved the second factor (sign-in with MFA or step-up).
  mfa_verified_at timestamptz,
  ip              text,
  user_agent      text,
  revoked_at      timestamptz,
  revoked_reason  text
);
CREATE INDEX sessions_account ON identity.sessions (account_id, created_at DESC);

-- Refresh tokens are opaque random strings; only their SHA-256 is stored. Each use rotates
-- the token within its session; presenting a used token revokes the session.
CREATE TABLE identity.refresh_tokens (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id  uuid        NOT NULL REFERENCES identity.sessions (id),
  account_id  uuid        NOT NULL REFERENCES identity.accounts (id),
  token_hash  text        NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  used_at     timestamptz
);
CREATE INDEX refresh_tokens_session ON identity.refresh_tokens (session_id);

-- ES256 keys that sign access tokens; the public halves are published as a JWKS.
CREATE TABLE identity.signing_keys (
  kid         text        PRIMARY KEY,
  public_jwk  jsonb       NOT NULL,
  private_jwk jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  retired_at  timestamptz
);
