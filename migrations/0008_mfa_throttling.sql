-- Second factor (TOTP, RFC 6238), sign-in throttling and single-use tokens sent by mail.

CREATE TABLE identity.totp (
  account_id   uuid        PRIMARY KEY REFERENCES identity.accounts (id),
  -- Base32 shared secret. Until confirmed with a first code it is not a factor yet.
  secret       text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz,
  -- The time step of the last accepted code: a code is never accepted twice.
  last_step    bigint
);

CREATE TABLE identity.recovery_codes (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid        NOT NULL REFERENCES identity.accounts (id),
  code_hash  text        NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at    timestamptz
);
CREATE INDEX recovery_codes_account ON identity.recovery_codes (account_id);

-- The second step of a sign-in: a challenge token names one of these and works once.
CREATE TABLE identity.mfa_challenges (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid        NOT NULL REFERENCES identity.accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX mfa_challenges_expiry ON identity.mfa_challenges (expires_at);

-- Failed attempts per throttling key (`login:<kind>:<email>`, `ip:<address>`, `mfa:<account>`).
CREATE TABLE identity.auth_failures (
  id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key text        NOT NULL,
  at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_failures_key ON identity.auth_failures (key, at);

-- Email verification and password reset links: random tokens, stored hashed, single use.
CREATE TABLE identity.one_time_tokens (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id uuid        NOT NULL REFERENCES identity.accounts (id),
  purpose    text        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
  token_hash text        NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX one_time_tokens_account ON identity.one_time_tokens (account_id, purpose);

-- Mail the notifications module has composed; with the capture mailer it stays here for the
-- back office to read, with SMTP `sent_at` records delivery.
CREATE TABLE notifications.mail (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id   bigint      NOT NULL UNIQUE,
  to_address text        NOT NULL,
  subject    text        NOT NULL,
  body       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz
);
CREATE INDEX mail_to ON notifications.mail (lower(to_address), id DESC);
