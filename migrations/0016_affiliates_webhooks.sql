-- Affiliates (tracking links, clicks, referrals, commission plans, monthly statements) and
-- partner webhooks (endpoints, deliveries from the outbox, the delivery log).

-- A partner's commission balance is a wallet account the partner owns. The list of account
-- kinds is extended in place (whatever kinds earlier migrations allowed stay allowed), so this
-- file composes with any other migration that extends the same list.
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
    WHERE conrelid = 'wallet.accounts'::regclass AND contype = 'c'
      AND pg_get_constraintdef(oid) LIKE '%''player_cash''%'
      AND pg_get_constraintdef(oid) NOT LIKE '%owner_id%'
  LOOP
    EXECUTE format('ALTER TABLE wallet.accounts DROP CONSTRAINT %I', c.conname);
    EXECUTE format(
      'ALTER TABLE wallet.accounts ADD CONSTRAINT %I %s', c.conname,
      replace(c.def, 'ARRAY[', 'ARRAY[''partner_commission''::text, '));
  END LOOP;
END
$$;

CREATE SCHEMA affiliates;

-- Commission plans. Amounts in minor units of the plan's currency; rates in basis points.
--   revshare: rev_share_bps of the month's NGR (after any negative carryover);
--   cpa:      cpa_amount per referred player who qualifies (first deposit ≥ cpa_min_deposit
--             and settled stakes ≥ cpa_min_wagering within cpa_window_days of sign-up);
--   hybrid:   both;
--   tiered:   revenue share whose rate is the highest tier reached by the month's NGR.
CREATE TABLE affiliates.plans (
  id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name               text        NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  type               text        NOT NULL CHECK (type IN ('revshare', 'cpa', 'hybrid', 'tiered')),
  currency           char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  rev_share_bps      int         NOT NULL DEFAULT 0 CHECK (rev_share_bps BETWEEN 0 AND 10000),
  -- [{ "fromNgr": "<minor units>", "revShareBps": n }] ascending; tiered plans only.
  tiers              jsonb       NOT NULL DEFAULT '[]',
  cpa_amount         bigint      NOT NULL DEFAULT 0 CHECK (cpa_amount >= 0),
  cpa_min_deposit    bigint      NOT NULL DEFAULT 0 CHECK (cpa_min_deposit >= 0),
  cpa_min_wagering   bigint      NOT NULL DEFAULT 0 CHECK (cpa_min_wagering >= 0),
  cpa_window_days    int         NOT NULL DEFAULT 90 CHECK (cpa_window_days BETWEEN 1 AND 3650),
  admin_fee_bps      int         NOT NULL DEFAULT 0 CHECK (admin_fee_bps BETWEEN 0 AND 10000),
  negative_carryover boolean     NOT NULL DEFAULT true,
  created_by         uuid        NOT NULL REFERENCES identity.accounts (id),
  created_at         timestamptz NOT NULL DEFAULT now()
);

-- The plan an affiliate is on (one at a time; a statement keeps a copy of the plan it used).
CREATE TABLE affiliates.partner_plans (
  partner_id uuid        PRIMARY KEY REFERENCES identity.partners (account_id),
  plan_id    uuid        NOT NULL REFERENCES affiliates.plans (id),
  assigned_by uuid       NOT NULL REFERENCES identity.accounts (id),
  assigned_at timestamptz NOT NULL DEFAULT now()
);

-- Tracking links. The code is 128 random bits (base64url): unguessable, so a code that is not
-- in this table is a forgery and records nothing.
CREATE TABLE affiliates.links (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  partner_id  uuid        NOT NULL REFERENCES identity.partners (account_id),
  code        text        NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]{22}$'),
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  landing_path text       NOT NULL DEFAULT '/' CHECK (landing_path ~ '^/[^/\\]'  OR landing_path = '/'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE INDEX links_partner ON affiliates.links (partner_id, created_at);

-- Clicks on tracking links, by visitor (a random id kept in the visitor's cookie).
CREATE TABLE affiliates.clicks (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  link_id    uuid        NOT NULL REFERENCES affiliates.links (id),
  visitor_id uuid        NOT NULL,
  clicked_at timestamptz NOT NULL DEFAULT now(),
  referrer   text,
  user_agent text
);
CREATE INDEX clicks_visitor ON affiliates.clicks (visitor_id, clicked_at);
CREATE INDEX clicks_link ON affiliates.clicks (link_id, clicked_at);

-- A player referred by an affiliate: decided once, at registration.
CREATE TABLE affiliates.referrals (
  player_id     uuid        PRIMARY KEY REFERENCES identity.accounts (id),
  partner_id    uuid        NOT NULL REFERENCES identity.partners (account_id),
  link_id       uuid        NOT NULL REFERENCES affiliates.links (id),
  click_id      bigint      NOT NULL REFERENCES affiliates.clicks (id),
  model         text        NOT NULL CHECK (model IN ('first_click', 'last_click')),
  registered_at timestamptz NOT NULL DEFAULT now(),
  -- The statement that paid this player's CPA (a player earns CPA once).
  cpa_statement_id uuid
);
CREATE INDEX referrals_partner ON affiliates.referrals (partner_id, registered_at);

-- Monthly statements: computed from the ledger (draft, recomputable), approved by staff,
-- paid through the ledger. One per affiliate, month and currency.
CREATE TABLE affiliates.statements (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  partner_id    uuid        NOT NULL REFERENCES identity.partners (account_id),
  period        date        NOT NULL CHECK (extract(day FROM period) = 1),
  currency      char(3)     NOT NULL,
  plan          jsonb       NOT NULL,
  ngr           bigint      NOT NULL,
  carry_in      bigint      NOT NULL CHECK (carry_in <= 0),
  carry_out     bigint      NOT NULL CHECK (carry_out <= 0),
  rev_share     bigint      NOT NULL CHECK (rev_share >= 0),
  cpa           bigint      NOT NULL CHECK (cpa >= 0),
  cpa_players   uuid[]      NOT NULL DEFAULT '{}',
  commission    bigint      NOT NULL CHECK (commission = rev_share + cpa),
  players       jsonb       NOT NULL,
  status        text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'paid')),
  computed_at   timestamptz NOT NULL DEFAULT now(),
  approved_by   uuid        REFERENCES identity.accounts (id),
  approved_at   timestamptz,
  paid_by       uuid        REFERENCES identity.accounts (id),
  paid_at       timestamptz,
  UNIQUE (partner_id, period, currency)
);
CREATE INDEX statements_status ON affiliates.statements (status, period);

CREATE SCHEMA webhooks;

-- Endpoints partners configure. The signing secret is needed in clear to sign (HMAC), so it is
-- stored; the API shows it once, when it is made or rotated. After a rotation the previous
-- secret also signs (a second signature) until previous_expires_at.
CREATE TABLE webhooks.endpoints (
  id                  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  partner_id          uuid        NOT NULL REFERENCES identity.partners (account_id),
  url                 text        NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
  event_types         text[]      NOT NULL CHECK (
    cardinality(event_types) > 0 AND event_types <@ ARRAY['bet.settled', 'event.result', 'market.status']
  ),
  description         text        NOT NULL DEFAULT '' CHECK (length(description) <= 200),
  secret              text        NOT NULL,
  previous_secret     text,
  previous_expires_at timestamptz,
  disabled_at         timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX endpoints_partner ON webhooks.endpoints (partner_id, created_at);

-- One delivery per endpoint and outbox event (the delivery id is what receivers dedupe on).
CREATE TABLE webhooks.deliveries (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  endpoint_id     uuid        NOT NULL REFERENCES webhooks.endpoints (id),
  event_id        bigint      NOT NULL,
  event_type      text        NOT NULL,
  payload         jsonb       NOT NULL,
  status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts        int         NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  leased_until    timestamptz,
  last_status     int,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  dead_at         timestamptz,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX deliveries_due ON webhooks.deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_endpoint ON webhooks.deliveries (endpoint_id, created_at DESC);

-- Every attempt: the delivery log partners read in the portal.
CREATE TABLE webhooks.attempts (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id  uuid        NOT NULL REFERENCES webhooks.deliveries (id),
  attempt      int         NOT NULL,
  started_at   timestamptz NOT NULL,
  duration_ms  int         NOT NULL,
  status_code  int,
  error        text,
  outcome      text        NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead'))
);
CREATE INDEX attempts_delivery ON webhooks.attempts (delivery_id, id);

-- The last market status announced to webhooks, so that `market.status` fires on a change of
-- status only (a market update that moves prices is not one).
CREATE TABLE webhooks.market_status (
  market_id  uuid        PRIMARY KEY,
  status     text        NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
