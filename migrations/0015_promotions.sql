-- Promotions and loyalty: campaigns with eligibility, budgets and caps; free bets; bonus
-- funds with a wagering requirement (a player's bonus wallet is a ledger account of its own);
-- odds boosts; the acca bonus; what promotions did to each bet; loyalty points and tiers.

-- A player's bonus funds are a wallet account the player owns. The list of account kinds is
-- extended in place (whatever kinds earlier migrations allowed stay allowed), so this file
-- composes with any other migration that extends the same list.
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
      replace(c.def, 'ARRAY[', 'ARRAY[''player_bonus''::text, '));
  END LOOP;
END
$$;

CREATE SCHEMA promotions;

-- A promotion staff run. `terms` holds what its kind needs (see docs/promotions.md):
--   free_bet:      amount, minOdds, sports, marketTypes, expiryDays
--   bonus:         amount, wageringMultiplier, minOdds, expiryDays, forfeitOnWithdrawal
--   deposit_bonus: percentBps, maxBonus, minDeposit, wageringMultiplier, minOdds, expiryDays,
--                  forfeitOnWithdrawal
--   odds_boost:    selectionId, boostedPrice, maxStake
--   acca_bonus:    minLegOdds, percentBpsByLegs {"3": 500, …}
CREATE TABLE promotions.promotions (
  id               uuid        PRIMARY KEY,
  kind             text        NOT NULL CHECK (kind IN ('free_bet', 'bonus', 'deposit_bonus', 'odds_boost', 'acca_bonus')),
  name             text        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  description      text        NOT NULL DEFAULT '',
  currency         char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  status           text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'ended')),
  starts_at        timestamptz NOT NULL,
  ends_at          timestamptz NOT NULL,
  -- Eligibility: empty arrays mean "anyone".
  segments         text[]      NOT NULL DEFAULT '{}',
  countries        text[]      NOT NULL DEFAULT '{}',
  -- Only players who registered at most this many days ago.
  new_players_days integer     CHECK (new_players_days > 0),
  opt_in           boolean     NOT NULL DEFAULT true,
  -- Budget (face value of everything awarded, minor units) and caps.
  budget           bigint      CHECK (budget > 0),
  spent            bigint      NOT NULL DEFAULT 0 CHECK (spent >= 0),
  max_awards       integer     CHECK (max_awards > 0),
  awards           integer     NOT NULL DEFAULT 0 CHECK (awards >= 0),
  per_player       integer     NOT NULL DEFAULT 1 CHECK (per_player > 0),
  terms            jsonb       NOT NULL,
  created_by       uuid        NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at),
  CONSTRAINT within_budget CHECK (budget IS NULL OR spent <= budget),
  CONSTRAINT within_max_awards CHECK (max_awards IS NULL OR awards <= max_awards)
);
CREATE INDEX promotions_live ON promotions.promotions (kind, status, ends_at);

CREATE TABLE promotions.opt_ins (
  promotion_id uuid        NOT NULL REFERENCES promotions.promotions (id),
  player_id    uuid        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (promotion_id, player_id)
);

-- Segments staff put players in, for eligibility.
CREATE TABLE promotions.segment_members (
  segment    text        NOT NULL CHECK (segment ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
  player_id  uuid        NOT NULL,
  added_by   uuid        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (segment, player_id)
);
CREATE INDEX segment_members_player ON promotions.segment_members (player_id);

-- Free bets: a token worth `amount`, staked whole on one bet. Its money moves when it is used.
CREATE TABLE promotions.free_bets (
  id           uuid        PRIMARY KEY,
  player_id    uuid        NOT NULL,
  currency     char(3)     NOT NULL,
  amount       bigint      NOT NULL CHECK (amount > 0),
  -- Every leg's price at least this (thousandths); NULL: any.
  min_odds     integer     CHECK (min_odds > 1000),
  sports       uuid[]      NOT NULL DEFAULT '{}',
  market_types text[]      NOT NULL DEFAULT '{}',
  expires_at   timestamptz NOT NULL,
  status       text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'used', 'expired')),
  bet_id       uuid,
  source       text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'used') = (bet_id IS NOT NULL))
);
CREATE INDEX free_bets_player ON promotions.free_bets (player_id, status, expires_at);
CREATE INDEX free_bets_expiring ON promotions.free_bets (expires_at) WHERE status = 'active';

-- Bonus funds granted with a wagering requirement. A player has at most one active grant per
-- currency, and while it is active their bonus account holds its funds.
CREATE TABLE promotions.bonus_grants (
  id                    uuid        PRIMARY KEY,
  player_id             uuid        NOT NULL,
  currency              char(3)     NOT NULL,
  amount                bigint      NOT NULL CHECK (amount > 0),
  wagering_required     bigint      NOT NULL CHECK (wagering_required >= 0),
  wagered               bigint      NOT NULL DEFAULT 0 CHECK (wagered >= 0),
  min_odds              integer     CHECK (min_odds > 1000),
  expires_at            timestamptz NOT NULL,
  forfeit_on_withdrawal boolean     NOT NULL DEFAULT true,
  status                text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'released', 'forfeited')),
  -- What went to cash on release, or back to the house on forfeit.
  closed_amount         bigint      CHECK (closed_amount >= 0),
  closed_reason         text,
  source                text        NOT NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  closed_at             timestamptz,
  CHECK ((status = 'active') = (closed_at IS NULL))
);
CREATE UNIQUE INDEX bonus_grants_one_active ON promotions.bonus_grants (player_id, currency) WHERE status = 'active';
CREATE INDEX bonus_grants_expiring ON promotions.bonus_grants (expires_at) WHERE status = 'active';

-- Every award of a promotion: idempotent by (promotion, player, source).
CREATE TABLE promotions.awards (
  id           uuid        PRIMARY KEY,
  promotion_id uuid        NOT NULL REFERENCES promotions.promotions (id),
  player_id    uuid        NOT NULL,
  source       text        NOT NULL,
  amount       bigint      NOT NULL CHECK (amount > 0),
  free_bet_id  uuid        REFERENCES promotions.free_bets (id),
  grant_id     uuid        REFERENCES promotions.bonus_grants (id),
  awarded_by   uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (promotion_id, player_id, source),
  CHECK ((free_bet_id IS NULL) <> (grant_id IS NULL))
);
CREATE INDEX awards_player ON promotions.awards (player_id, created_at DESC);

-- What promotions did to a bet at placement: the part of the stake that came from the bonus
-- wallet or a free bet, the boost and the acca bonus terms it was struck with.
CREATE TABLE promotions.bet_terms (
  bet_id             uuid        PRIMARY KEY,
  player_id          uuid        NOT NULL,
  currency           char(3)     NOT NULL,
  stake              bigint      NOT NULL CHECK (stake > 0),
  free_bet_id        uuid        UNIQUE REFERENCES promotions.free_bets (id),
  bonus_part         bigint      NOT NULL DEFAULT 0 CHECK (bonus_part >= 0),
  grant_id           uuid        REFERENCES promotions.bonus_grants (id),
  boost_id           uuid        REFERENCES promotions.promotions (id),
  acca_promotion_id  uuid        REFERENCES promotions.promotions (id),
  acca_min_leg_odds  integer,
  acca_percent_bps   jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (bonus_part <= stake),
  CHECK (free_bet_id IS NULL OR bonus_part = 0)
);
CREATE INDEX bet_terms_boost ON promotions.bet_terms (boost_id, player_id) WHERE boost_id IS NOT NULL;
CREATE INDEX bet_terms_grant ON promotions.bet_terms (grant_id) WHERE grant_id IS NOT NULL;

-- What a settlement version of a bet moved for promotions (reversed by a resettlement), and
-- the wagering it counted towards a grant.
CREATE TABLE promotions.bet_settlements (
  bet_id      uuid        NOT NULL,
  version     integer     NOT NULL,
  -- [{ "kind", "from": "cash"|"bonus"|"house", "to": …, "amount" }]
  moves       jsonb       NOT NULL,
  grant_id    uuid        REFERENCES promotions.bonus_grants (id),
  wagered     bigint      NOT NULL DEFAULT 0 CHECK (wagered >= 0),
  reversed_at timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bet_id, version)
);

-- Loyalty: points per settled stake (rates per sport and bet kind), tiers by lifetime points,
-- redemption into free bets or bonus funds.
CREATE TABLE promotions.loyalty_rates (
  id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sport_id           uuid,
  bet_kind           text        CHECK (bet_kind IN ('single', 'multiple', 'system', 'builder')),
  -- Points per 100 minor units of settled stake.
  points_per_hundred integer     NOT NULL CHECK (points_per_hundred >= 0)
);
CREATE UNIQUE INDEX loyalty_rates_key ON promotions.loyalty_rates
  (COALESCE(sport_id, '00000000-0000-0000-0000-000000000000'::uuid), COALESCE(bet_kind, ''));
INSERT INTO promotions.loyalty_rates (sport_id, bet_kind, points_per_hundred) VALUES (NULL, NULL, 1);

CREATE TABLE promotions.loyalty_tiers (
  name            text    PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 40),
  min_points      bigint  NOT NULL UNIQUE CHECK (min_points >= 0),
  -- Earned points are multiplied by this (basis points: 10000 = ×1).
  multiplier_bps  integer NOT NULL CHECK (multiplier_bps BETWEEN 0 AND 100000)
);
INSERT INTO promotions.loyalty_tiers (name, min_points, multiplier_bps) VALUES
  ('bronze', 0, 10000), ('silver', 1000, 11000), ('gold', 5000, 12500), ('platinum', 20000, 15000);

CREATE TABLE promotions.loyalty_settings (
  id                     boolean     PRIMARY KEY DEFAULT true CHECK (id),
  -- Points per 100 minor units redeemed.
  points_per_hundred     integer     NOT NULL CHECK (points_per_hundred > 0),
  min_redeem_points      bigint      NOT NULL CHECK (min_redeem_points > 0),
  free_bet_expiry_days   integer     NOT NULL CHECK (free_bet_expiry_days > 0),
  free_bet_min_odds      integer     CHECK (free_bet_min_odds > 1000),
  bonus_wagering_multiplier integer  NOT NULL CHECK (bonus_wagering_multiplier BETWEEN 0 AND 100),
  bonus_expiry_days      integer     NOT NULL CHECK (bonus_expiry_days > 0),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
INSERT INTO promotions.loyalty_settings
  (points_per_hundred, min_redeem_points, free_bet_expiry_days, free_bet_min_odds,
   bonus_wagering_multiplier, bonus_expiry_days)
VALUES (100, 500, 7, 1500, 1, 30);

CREATE TABLE promotions.loyalty_accounts (
  player_id  uuid        PRIMARY KEY,
  balance    bigint      NOT NULL DEFAULT 0 CHECK (balance >= 0),
  lifetime   bigint      NOT NULL DEFAULT 0 CHECK (lifetime >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every change of a player's points, once per reference (`bet:<id>`, `redeem:<id>`).
CREATE TABLE promotions.loyalty_entries (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  player_id  uuid        NOT NULL,
  points     bigint      NOT NULL CHECK (points <> 0),
  reference  text        NOT NULL UNIQUE,
  details    jsonb       NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loyalty_entries_player ON promotions.loyalty_entries (player_id, id DESC);
