CREATE SCHEMA betting;

CREATE TABLE betting.bets (
  id                   uuid        PRIMARY KEY,
  player_id            uuid        NOT NULL,
  kind                 text        NOT NULL CHECK (kind IN ('single', 'multiple', 'system')),
  currency             char(3)     NOT NULL,
  stake                bigint      NOT NULL CHECK (stake > 0),
  potential_payout     bigint      NOT NULL CHECK (potential_payout >= stake),
  accept_price_changes text        NOT NULL CHECK (accept_price_changes IN ('none', 'higher', 'any')),
  status               text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost', 'void')),
  payout               bigint      CHECK (payout >= 0),
  placed_at            timestamptz NOT NULL DEFAULT now(),
  settled_at           timestamptz,
  CONSTRAINT settled_consistently CHECK ((status = 'open') = (settled_at IS NULL AND payout IS NULL))
);
CREATE INDEX bets_player ON betting.bets (player_id, placed_at DESC, id DESC);

CREATE TABLE betting.bet_legs (
  bet_id          uuid     NOT NULL REFERENCES betting.bets (id),
  leg_no          smallint NOT NULL CHECK (leg_no >= 1),
  event_id        uuid     NOT NULL,
  market_id       uuid     NOT NULL,
  selection_id    uuid     NOT NULL,
  -- The price the bet was accepted at, and the price the player asked for.
  price           integer  NOT NULL CHECK (price > 1000),
  requested_price integer  NOT NULL CHECK (requested_price > 1000),
  -- What the player saw on the slip, kept as it was when the bet was placed.
  event_name      text     NOT NULL,
  market_name     text     NOT NULL,
  selection_name  text     NOT NULL,
  PRIMARY KEY (bet_id, leg_no)
);
CREATE INDEX bet_legs_market ON betting.bet_legs (market_id, bet_id);
