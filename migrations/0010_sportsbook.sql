-- Sportsbook depth: market settings (in-play delay, limits, liability caps, cash out, each-way
-- terms, bet builder), per-selection outcomes with half results, dead heats and places,
-- versioned results; bet types (system, builder, each-way), pending in-play bets, cash out,
-- settlement versions with their history, per-player risk settings, sharded liability, and
-- the settlement worker's jobs.

-- Catalog ------------------------------------------------------------------------------------

-- Sport-wide defaults; a market's own setting wins over its sport's.
ALTER TABLE catalog.sports
  ADD COLUMN in_play_delay_seconds   integer NOT NULL DEFAULT 5 CHECK (in_play_delay_seconds BETWEEN 0 AND 60),
  ADD COLUMN min_stake               bigint  CHECK (min_stake > 0),
  ADD COLUMN max_stake               bigint  CHECK (max_stake > 0),
  ADD COLUMN max_selection_liability bigint  CHECK (max_selection_liability >= 0),
  ADD COLUMN max_market_liability    bigint  CHECK (max_market_liability >= 0),
  -- Bet builder prices: the product of the legs' prices less this margin (basis points).
  ADD COLUMN builder_margin_bps      integer NOT NULL DEFAULT 1000 CHECK (builder_margin_bps BETWEEN 0 AND 5000);

ALTER TABLE catalog.markets
  -- Offered while the event is live; bets then wait the delay before they are accepted.
  ADD COLUMN in_play                 boolean NOT NULL DEFAULT false,
  ADD COLUMN bet_delay_seconds       integer CHECK (bet_delay_seconds BETWEEN 0 AND 60),
  ADD COLUMN min_stake               bigint  CHECK (min_stake > 0),
  ADD COLUMN max_stake               bigint  CHECK (max_stake > 0),
  ADD COLUMN max_selection_liability bigint  CHECK (max_selection_liability >= 0),
  ADD COLUMN max_market_liability    bigint  CHECK (max_market_liability >= 0),
  ADD COLUMN cash_out_enabled        boolean NOT NULL DEFAULT true,
  -- Each-way terms (outrights): the number of places paid and the fraction of the odds.
  ADD COLUMN each_way_places         smallint CHECK (each_way_places BETWEEN 1 AND 10),
  ADD COLUMN each_way_num            smallint CHECK (each_way_num >= 1),
  ADD COLUMN each_way_den            smallint CHECK (each_way_den >= 1),
  ADD COLUMN builder_enabled         boolean NOT NULL DEFAULT true,
  -- Market types of the same event a bet builder may not combine this market with.
  ADD COLUMN correlated_with         text[]  NOT NULL DEFAULT '{}',
  -- When the market was last suspended: a pending in-play bet placed before it is rejected.
  ADD COLUMN suspended_at            timestamptz,
  ADD CONSTRAINT each_way_terms_complete CHECK (
    (each_way_places IS NULL) = (each_way_num IS NULL) AND (each_way_num IS NULL) = (each_way_den IS NULL));

ALTER TABLE catalog.selections DROP CONSTRAINT selections_result_check;
ALTER TABLE catalog.selections
  ADD CONSTRAINT selections_result_check CHECK (result IN ('win', 'lose', 'void', 'half_win', 'half_lose')),
  -- A dead heat pays this fraction of the stake at the full price (e.g. 1/2 for a two-way tie).
  ADD COLUMN dead_heat_num       integer,
  ADD COLUMN dead_heat_den       integer,
  -- Each-way: whether the selection was placed, with its own dead-heat fraction.
  ADD COLUMN place_result        text CHECK (place_result IN ('win', 'lose', 'void')),
  ADD COLUMN place_dead_heat_num integer,
  ADD COLUMN place_dead_heat_den integer,
  ADD CONSTRAINT dead_heat_fraction CHECK (
    (dead_heat_num IS NULL) = (dead_heat_den IS NULL) AND (dead_heat_num IS NULL OR (dead_heat_num > 0 AND dead_heat_num < dead_heat_den))),
  ADD CONSTRAINT place_dead_heat_fraction CHECK (
    (place_dead_heat_num IS NULL) = (place_dead_heat_den IS NULL)
    AND (place_dead_heat_num IS NULL OR (place_dead_heat_num > 0 AND place_dead_heat_num < place_dead_heat_den)));

-- The current result of a market (its latest version); `winners` lists the selections that
-- won or half-won, `void` is true when every selection is void.
ALTER TABLE catalog.market_results DROP CONSTRAINT market_results_check;
ALTER TABLE catalog.market_results
  ADD COLUMN version      integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  -- When the outcome became known (a goal, the finish): bets placed at or after it are void.
  ADD COLUMN effective_at timestamptz,
  ADD COLUMN reason       text,
  ADD COLUMN outcomes     jsonb NOT NULL DEFAULT '[]';

-- Every version of every result, never changed: who recorded or corrected it, when and why.
CREATE TABLE catalog.market_result_versions (
  market_id    uuid        NOT NULL REFERENCES catalog.markets (id),
  version      integer     NOT NULL CHECK (version >= 1),
  void         boolean     NOT NULL,
  winners      uuid[]      NOT NULL,
  outcomes     jsonb       NOT NULL,
  input        jsonb       NOT NULL,
  effective_at timestamptz,
  recorded_by  uuid,
  reason       text,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (market_id, version)
);

-- Betting ------------------------------------------------------------------------------------

ALTER TABLE betting.bets DROP CONSTRAINT bets_kind_check;
ALTER TABLE betting.bets DROP CONSTRAINT bets_status_check;
ALTER TABLE betting.bets DROP CONSTRAINT settled_consistently;
ALTER TABLE betting.bets
  ADD CONSTRAINT bets_kind_check CHECK (kind IN ('single', 'multiple', 'system', 'builder')),
  -- pending: an in-play bet waiting its delay; rejected: refused after it, stake returned.
  ADD CONSTRAINT bets_status_check
    CHECK (status IN ('pending', 'open', 'won', 'lost', 'void', 'cashed_out', 'rejected')),
  ADD CONSTRAINT settled_consistently
    CHECK ((status IN ('open', 'pending')) = (settled_at IS NULL AND payout IS NULL)),
  -- System name ("yankee", "2/5") of a system bet.
  ADD COLUMN system             text,
  ADD COLUMN each_way           boolean NOT NULL DEFAULT false,
  ADD COLUMN lines              integer NOT NULL DEFAULT 1 CHECK (lines >= 1),
  ADD COLUMN stake_per_line     bigint,
  -- A bet builder's price: its legs' product less the correlation margin.
  ADD COLUMN builder_price      integer CHECK (builder_price BETWEEN 1001 AND 1000000),
  -- Cash out: the part of the stake cashed out so far and what it paid.
  ADD COLUMN cashed_out_stake   bigint  NOT NULL DEFAULT 0,
  ADD COLUMN cashed_out_value   bigint  NOT NULL DEFAULT 0 CHECK (cashed_out_value >= 0),
  -- The potential net loss this bet adds to each of its selections and markets while open.
  ADD COLUMN liability          bigint  NOT NULL DEFAULT 0 CHECK (liability >= 0),
  -- A pending bet is re-checked at this time (database clock).
  ADD COLUMN accept_after       timestamptz,
  -- How many times the bet was settled (a resettlement adds one).
  ADD COLUMN settlement_version integer NOT NULL DEFAULT 0 CHECK (settlement_version >= 0),
  -- Why a bet was rejected or voided by staff.
  ADD COLUMN status_reason      text,
  -- Staff who voided this bet by hand: settlement leaves it void.
  ADD COLUMN voided_by          uuid,
  -- Auto cash out: cash the bet out once its cash-out value reaches this.
  ADD COLUMN auto_cash_out_value bigint CHECK (auto_cash_out_value > 0);
UPDATE betting.bets SET stake_per_line = stake, settlement_version = CASE WHEN status = 'open' THEN 0 ELSE 1 END;
ALTER TABLE betting.bets
  ALTER COLUMN stake_per_line SET NOT NULL,
  ADD CONSTRAINT stake_is_lines CHECK (stake = stake_per_line * lines),
  ADD CONSTRAINT cashed_out_within_stake CHECK (cashed_out_stake >= 0 AND cashed_out_stake <= stake),
  ADD CONSTRAINT pending_has_time CHECK ((status = 'pending') = (accept_after IS NOT NULL));
CREATE INDEX bets_pending ON betting.bets (accept_after) WHERE status = 'pending';
CREATE INDEX bets_auto_cash_out ON betting.bets (id) WHERE status = 'open' AND auto_cash_out_value IS NOT NULL;

ALTER TABLE betting.bet_legs
  ADD COLUMN market_type text,
  -- Each-way terms the leg was struck at.
  ADD COLUMN each_way_places smallint,
  ADD COLUMN each_way_num    smallint,
  ADD COLUMN each_way_den    smallint,
  -- The leg was struck in-play.
  ADD COLUMN in_play         boolean NOT NULL DEFAULT false;
CREATE INDEX bet_legs_selection ON betting.bet_legs (selection_id);

-- Every settlement of a bet, with who caused it and why; a resettlement reverses the current
-- version (reversed_*) and adds the next. The ledger moves of version v reference
-- `bet:<id>:s<v>`, their reversal `bet:<id>:r<v>`.
CREATE TABLE betting.settlements (
  bet_id          uuid        NOT NULL REFERENCES betting.bets (id),
  version         integer     NOT NULL CHECK (version >= 1),
  status          text        NOT NULL CHECK (status IN ('won', 'lost', 'void')),
  payout          bigint      NOT NULL CHECK (payout >= 0),
  -- The stake still open when it was settled (the rest was cashed out before).
  open_stake      bigint      NOT NULL CHECK (open_stake >= 0),
  settled_by      uuid,
  reason          text,
  settled_at      timestamptz NOT NULL DEFAULT now(),
  reversed_by     uuid,
  reversal_reason text,
  reversed_at     timestamptz,
  PRIMARY KEY (bet_id, version)
);

-- Cash outs, full or partial; the ledger moves of cash out n reference `bet:<id>:c<n>`.
CREATE TABLE betting.cash_outs (
  bet_id     uuid        NOT NULL REFERENCES betting.bets (id),
  seq        integer     NOT NULL CHECK (seq >= 1),
  player_id  uuid        NOT NULL,
  stake      bigint      NOT NULL CHECK (stake > 0),
  value      bigint      NOT NULL CHECK (value >= 0),
  automatic  boolean     NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bet_id, seq)
);

-- A cash-out value offered to a player, good for a few seconds.
CREATE TABLE betting.cash_out_quotes (
  id         uuid        PRIMARY KEY,
  bet_id     uuid        NOT NULL REFERENCES betting.bets (id),
  player_id  uuid        NOT NULL,
  stake      bigint      NOT NULL CHECK (stake > 0),
  value      bigint      NOT NULL CHECK (value >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX cash_out_quotes_created ON betting.cash_out_quotes (created_at);

-- Risk settings per player: a factor on every stake limit (1.0 = 10000) and a cash-out block.
CREATE TABLE betting.player_limits (
  player_id        uuid        PRIMARY KEY,
  stake_factor_bps integer     NOT NULL DEFAULT 10000 CHECK (stake_factor_bps BETWEEN 0 AND 1000000),
  cash_out_blocked boolean     NOT NULL DEFAULT false,
  note             text,
  updated_by       uuid        NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Liability: the sum of the potential net losses of open bets, per selection and per market.
-- One row per (selection or market, shard): a placement updates only the shard of its player,
-- so bets of different players on one popular selection do not queue on one row. Each shard
-- holds a budget; the budgets of a key sum to its cap, so a placement that stays within its
-- shard's budget never exceeds the cap. A placement that does not fit locks every shard of the
-- key, checks the total against the cap exactly and shares out what is left again.
CREATE TABLE betting.liability (
  scope    text     NOT NULL CHECK (scope IN ('market', 'selection')),
  id       uuid     NOT NULL,
  shard    smallint NOT NULL CHECK (shard >= 0),
  exposure bigint   NOT NULL DEFAULT 0 CHECK (exposure >= 0),
  -- The cap the budgets were shared out from, and this shard's part (NULL: no cap).
  cap      bigint,
  budget   bigint,
  PRIMARY KEY (scope, id, shard)
);

-- Settlement ---------------------------------------------------------------------------------
CREATE SCHEMA settlement;

-- A market's settlement (or resettlement) as a job: batches of bets in id order, each batch one
-- transaction that also advances `after_bet`, so a crashed job resumes where it stopped.
CREATE TABLE settlement.jobs (
  id             uuid        PRIMARY KEY,
  market_id      uuid        NOT NULL,
  result_version integer     NOT NULL,
  requested_by   uuid,
  reason         text,
  after_bet      uuid,
  bets_changed   integer     NOT NULL DEFAULT 0,
  -- Bets of this pass whose correction the player's balance could not cover yet: the job
  -- passes over the market again later.
  blocked        integer     NOT NULL DEFAULT 0,
  leased_until   timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  UNIQUE (market_id, result_version)
);
CREATE INDEX jobs_unfinished ON settlement.jobs (created_at) WHERE finished_at IS NULL;
