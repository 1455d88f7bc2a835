-- Sports → competitions → events → markets → selections. Prices are decimal odds as
-- integer thousandths (2.375 → 2375); lines (handicaps, totals) are thousandths too.
CREATE SCHEMA catalog;

CREATE TABLE catalog.sports (
  id            uuid    PRIMARY KEY DEFAULT gen_random_uuid(),
  slug          text    NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,50}$'),
  name          text    NOT NULL,
  display_order integer NOT NULL DEFAULT 0
);

CREATE TABLE catalog.competitions (
  id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sport_id uuid NOT NULL REFERENCES catalog.sports (id),
  name     text NOT NULL,
  country  text,
  UNIQUE (sport_id, name)
);

CREATE TABLE catalog.events (
  id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  competition_id uuid        NOT NULL REFERENCES catalog.competitions (id),
  name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  home           text,
  away           text,
  starts_at      timestamptz NOT NULL,
  status         text        NOT NULL DEFAULT 'scheduled'
                             CHECK (status IN ('scheduled', 'live', 'ended', 'cancelled')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_start ON catalog.events (starts_at, id);
CREATE INDEX events_competition ON catalog.events (competition_id, starts_at);

CREATE TABLE catalog.markets (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id      uuid        NOT NULL REFERENCES catalog.events (id),
  type          text        NOT NULL CHECK (type ~ '^[a-z0-9_]{1,40}$'),
  name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  line          integer,
  status        text        NOT NULL DEFAULT 'open'
                            CHECK (status IN ('open', 'suspended', 'closed', 'settled')),
  display_order integer     NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX markets_event ON catalog.markets (event_id, display_order);

CREATE TABLE catalog.selections (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  market_id     uuid        NOT NULL REFERENCES catalog.markets (id),
  name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  outcome       text,
  price         integer     NOT NULL CHECK (price BETWEEN 1001 AND 1000000),
  display_order integer     NOT NULL DEFAULT 0,
  result        text        CHECK (result IN ('win', 'lose', 'void')),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX selections_market ON catalog.selections (market_id, display_order);

CREATE TABLE catalog.price_history (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  selection_id uuid        NOT NULL REFERENCES catalog.selections (id),
  price        integer     NOT NULL,
  changed_by   uuid,
  changed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX price_history_selection ON catalog.price_history (selection_id, id);

-- The recorded outcome of a market; one row, written once.
CREATE TABLE catalog.market_results (
  market_id   uuid        PRIMARY KEY REFERENCES catalog.markets (id),
  void        boolean     NOT NULL,
  winners     uuid[]      NOT NULL DEFAULT '{}',
  recorded_by uuid,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CHECK (void = (cardinality(winners) = 0))
);
