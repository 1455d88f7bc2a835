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
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT player_profile CHECK (
    kind <> 'player' OR (date_of_birth IS NOT NULL AND country IS NOT NULL AND currency IS NOT NULL)
  ),
  CONSTRAINT roles_only_for_staff CHECK (kind = 'staff' OR roles = '{}')
);
-- One account per address and kind: the same person may be a player and a staff member.
CREATE UNIQUE INDEX accounts_email ON identity.accounts (kind, lower(email));

-- Refresh tokens are opaque random strings; only their SHA-256 is stored. Each use
-- rotates the token within its family; presenting a used token revokes the family.
CREATE TABLE identity.refresh_tokens (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id  uuid        NOT NULL REFERENCES identity.accounts (id),
  family_id   uuid        NOT NULL,
  token_hash  text        NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON identity.refresh_tokens (family_id);
CREATE INDEX refresh_tokens_account ON identity.refresh_tokens (account_id);

-- ES256 keys that sign access tokens; the public halves are published as a JWKS.
CREATE TABLE identity.signing_keys (
  kid         text        PRIMARY KEY,
  public_jwk  jsonb       NOT NULL,
  private_jwk jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  retired_at  timestamptz
);
