-- Realtime and the live feed: commit notifications for the outbox relay, the live state of
-- events (score and clock), and the feed adapter's bookkeeping.

-- Catalogue changes wake the outbox relay when they commit (NOTIFY is delivered at commit,
-- and repeated notifications of one transaction are folded into one), so prices reach
-- clients without waiting for the relay's next poll. Bets and payments do not notify: their
-- transactions are the hot path, and NOTIFY serialises the commits that use it.
CREATE FUNCTION platform.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ibet_outbox', '');
  RETURN NULL;
END $$;

CREATE TRIGGER outbox_notify AFTER INSERT ON platform.outbox
  FOR EACH ROW WHEN (NEW.type LIKE 'market.%' OR NEW.type LIKE 'event.%')
  EXECUTE FUNCTION platform.outbox_notify();

-- The live state of an event: the score ({"home": 1, "away": 0, "detail": "…"}) and the
-- clock ({"period": "2H", "minute": 67, "running": true}), written by catalog/live.ts.
ALTER TABLE catalog.events
  ADD COLUMN score jsonb,
  ADD COLUMN clock jsonb;

CREATE SCHEMA feed;

-- Every provider message handled, by the provider's own id, recorded in the transaction of
-- its effect: a message delivered twice is applied once.
CREATE TABLE feed.messages (
  provider   text        NOT NULL,
  message_id text        NOT NULL CHECK (length(message_id) BETWEEN 1 AND 200),
  kind       text        NOT NULL,
  outcome    text        NOT NULL CHECK (outcome IN ('applied', 'stale')),
  handled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, message_id)
);
CREATE INDEX feed_messages_handled ON feed.messages (handled_at);

-- A provider's fixture and the catalogue event it became. `state_ts` is the provider
-- timestamp (ms) of the newest status/score applied: an older one arriving late is stale.
CREATE TABLE feed.fixtures (
  provider    text   NOT NULL,
  external_id text   NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
  event_id    uuid   NOT NULL UNIQUE REFERENCES catalog.events (id),
  state_ts    bigint NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, external_id)
);
CREATE INDEX feed_fixtures_created ON feed.fixtures (provider, created_at);

-- A provider's market of a fixture and the catalogue market it became, with its selections
-- by the provider's keys, and the newest provider timestamps of prices and of status
-- (suspensions by material events included) applied.
CREATE TABLE feed.markets (
  provider    text   NOT NULL,
  external_id text   NOT NULL,
  market_key  text   NOT NULL CHECK (length(market_key) BETWEEN 1 AND 100),
  market_id   uuid   NOT NULL UNIQUE REFERENCES catalog.markets (id),
  selections  jsonb  NOT NULL,
  odds_ts     bigint NOT NULL DEFAULT 0,
  status_ts   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (provider, external_id, market_key),
  FOREIGN KEY (provider, external_id) REFERENCES feed.fixtures (provider, external_id)
);
