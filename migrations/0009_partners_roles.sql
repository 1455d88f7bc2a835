-- Partners (affiliates and B2B API clients) with their API keys, and custom staff roles.

-- Lets a table refer to an account of one kind only: (id, kind) is unique because id is.
ALTER TABLE identity.accounts ADD CONSTRAINT accounts_id_kind UNIQUE (id, kind);

-- The profile of a partner account, created by staff (who is recorded).
CREATE TABLE identity.partners (
  account_id   uuid        PRIMARY KEY,
  kind         text        NOT NULL DEFAULT 'partner' CHECK (kind = 'partner'),
  type         text        NOT NULL CHECK (type IN ('affiliate', 'b2b')),
  company_name text        NOT NULL CHECK (length(company_name) BETWEEN 1 AND 100),
  created_by   uuid        NOT NULL REFERENCES identity.accounts (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (account_id, kind) REFERENCES identity.accounts (id, kind)
);
CREATE INDEX partners_created ON identity.partners (created_at, account_id);

-- A partner's API keys: `ibet_<prefix>_<secret>`. The prefix is public and finds the key;
-- only the SHA-256 of the whole key is stored (the secret has 256 random bits, so a fast
-- hash is enough). A rotated key may keep working until `revoked_at`, in the future.
CREATE TABLE identity.api_keys (
  id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  partner_id   uuid        NOT NULL REFERENCES identity.partners (account_id),
  name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  prefix       text        NOT NULL UNIQUE CHECK (prefix ~ '^[0-9a-f]{12}$'),
  key_hash     text        NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  scopes       text[]      NOT NULL CHECK (
    cardinality(scopes) > 0 AND scopes <@ ARRAY['odds:read', 'webhooks:manage', 'reports:read']
  ),
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz,
  replaced_by  uuid        REFERENCES identity.api_keys (id)
);
CREATE INDEX api_keys_partner ON identity.api_keys (partner_id, created_at, id);

-- Custom staff roles, next to the built-in ones defined in code. A role is never changed or
-- removed once created: each process keeps a copy in memory (refreshed every few seconds),
-- and a copy that lags behind can then only miss a new role, never hold a stale grant.
CREATE TABLE identity.roles (
  name        text        PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{1,39}$'),
  description text        NOT NULL DEFAULT '' CHECK (length(description) <= 200),
  permissions text[]      NOT NULL CHECK (cardinality(permissions) > 0),
  created_by  uuid        NOT NULL REFERENCES identity.accounts (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION identity.roles_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'identity.roles rows are immutable' USING ERRCODE = '55000';
END
$$;
CREATE TRIGGER roles_immutable BEFORE UPDATE OR DELETE ON identity.roles
  FOR EACH ROW EXECUTE FUNCTION identity.roles_immutable();
