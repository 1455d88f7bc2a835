-- Cross-cutting tables: the transactional outbox, consumer bookkeeping and idempotency keys.
-- (platform.schema_migrations is created by the migration runner itself.)

CREATE TABLE platform.outbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type         text        NOT NULL,
  aggregate_id text        NOT NULL,
  payload      jsonb       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- A relay leases a batch before publishing it outside any transaction; if the relay dies,
  -- the lease runs out and another relay publishes the batch again (consumers are idempotent).
  leased_until timestamptz,
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON platform.outbox (id) WHERE published_at IS NULL;

-- A consumer records each event it has handled, in the same transaction as its effect,
-- so that redelivery changes nothing.
CREATE TABLE platform.processed_events (
  consumer     text        NOT NULL,
  event_id     bigint      NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- Client-supplied Idempotency-Key per principal, with a hash of the request and, once the
-- command has finished, the response to replay.
CREATE TABLE platform.idempotency_keys (
  scope        text        NOT NULL,
  key          text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash text        NOT NULL,
  status_code  integer,
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  PRIMARY KEY (scope, key),
  CHECK ((status_code IS NULL) = (completed_at IS NULL))
);
CREATE INDEX idempotency_keys_created ON platform.idempotency_keys (created_at);
