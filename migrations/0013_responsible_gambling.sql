-- Responsible gambling and KYC: each player's jurisdiction, deposit / loss / session limits
-- with cooling-off, reality checks, time-outs and self-exclusions, identity verification
-- with its documents and reviews.
CREATE SCHEMA compliance;

-- One row per player, written at registration (players without one follow `default`).
CREATE TABLE compliance.players (
  player_id              uuid        PRIMARY KEY,
  jurisdiction           text        NOT NULL,
  -- The player answered the limits prompt (set a limit or declined to); NULL: not yet.
  limits_prompt_answered timestamptz,
  -- Reality checks every so many minutes of a session; NULL: the jurisdiction's default.
  reality_check_minutes  integer     CHECK (reality_check_minutes BETWEEN 1 AND 1440),
  -- The player turned reality checks off (where the jurisdiction allows it).
  reality_checks_off     boolean     NOT NULL DEFAULT false,
  kyc_status             text        NOT NULL DEFAULT 'none'
    CHECK (kyc_status IN ('none', 'pending', 'verified', 'rejected')),
  kyc_updated_at         timestamptz,
  created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX players_kyc_pending ON compliance.players (kyc_updated_at) WHERE kyc_status = 'pending';

-- Limits. `amount` binds now; a loosening (increase or removal) waits in `pending_*` until
-- `pending_from` (the cooling-off), a tightening replaces `amount` at once. Deposit and
-- loss limits are minor units of the player's currency; session limits are minutes.
CREATE TABLE compliance.limits (
  player_id       uuid        NOT NULL,
  kind            text        NOT NULL CHECK (kind IN ('deposit', 'loss', 'session')),
  period          text        NOT NULL CHECK (period IN ('day', 'week', 'month', 'session')),
  amount          bigint      NOT NULL CHECK (amount > 0),
  pending_amount  bigint      CHECK (pending_amount > 0),
  pending_removal boolean     NOT NULL DEFAULT false,
  pending_from    timestamptz,
  set_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (player_id, kind, period),
  CHECK ((kind = 'session') = (period = 'session')),
  CHECK ((pending_from IS NULL) = (pending_amount IS NULL AND NOT pending_removal)),
  CHECK (NOT (pending_removal AND pending_amount IS NOT NULL))
);
CREATE INDEX limits_pending ON compliance.limits (pending_from) WHERE pending_from IS NOT NULL;

-- Time-outs and self-exclusions (own, or found on a national register). Append-only: an
-- exclusion cannot be shortened or lifted before it ends.
CREATE TABLE compliance.exclusions (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  player_id  uuid        NOT NULL,
  kind       text        NOT NULL CHECK (kind IN ('time_out', 'self_exclusion', 'national_register')),
  starts_at  timestamptz NOT NULL,
  -- NULL: permanent (or for as long as the register lists the player).
  ends_at    timestamptz,
  period     text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX exclusions_player ON compliance.exclusions (player_id, ends_at);

CREATE FUNCTION compliance.forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = '55000';
END
$$;
CREATE TRIGGER exclusions_append_only BEFORE UPDATE OR DELETE ON compliance.exclusions
  FOR EACH ROW EXECUTE FUNCTION compliance.forbid_change();

-- Reality checks: one row per check shown to a player in a session.
CREATE TABLE compliance.reality_checks (
  id              uuid        PRIMARY KEY,
  player_id       uuid        NOT NULL,
  session_id      uuid        NOT NULL,
  due_at          timestamptz NOT NULL,
  elapsed_seconds integer     NOT NULL,
  staked          bigint      NOT NULL,
  returned        bigint      NOT NULL,
  currency        char(3)     NOT NULL,
  acknowledged_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reality_checks_session ON compliance.reality_checks (session_id, due_at DESC);
CREATE INDEX reality_checks_open ON compliance.reality_checks (player_id) WHERE acknowledged_at IS NULL;

-- Identity documents. The file is in object storage under `storage_key`; this row is its
-- description and its checksum.
CREATE TABLE compliance.kyc_documents (
  id           uuid        PRIMARY KEY,
  player_id    uuid        NOT NULL,
  kind         text        NOT NULL CHECK (kind IN ('passport', 'id_card', 'driving_licence', 'proof_of_address')),
  content_type text        NOT NULL,
  size_bytes   integer     NOT NULL CHECK (size_bytes > 0),
  sha256       text        NOT NULL,
  storage_key  text        NOT NULL,
  uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kyc_documents_player ON compliance.kyc_documents (player_id, uploaded_at DESC);

-- Reviews by support or compliance staff, with their notes. Append-only.
CREATE TABLE compliance.kyc_reviews (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  player_id   uuid        NOT NULL,
  reviewer_id uuid        NOT NULL,
  decision    text        NOT NULL CHECK (decision IN ('verified', 'rejected', 'note')),
  note        text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kyc_reviews_player ON compliance.kyc_reviews (player_id, id DESC);
CREATE TRIGGER kyc_reviews_append_only BEFORE UPDATE OR DELETE ON compliance.kyc_reviews
  FOR EACH ROW EXECUTE FUNCTION compliance.forbid_change();

-- Deposit limits add up a player's deposits in the period (wallet.payments_owner serves it);
-- loss limits add up their bets placed in the period (betting.bets_player serves it).
