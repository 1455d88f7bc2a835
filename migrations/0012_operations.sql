-- Operations: the notifications queue (deliveries and their dead-letter list), the schedule
-- that lets any number of worker processes share periodic jobs, and the trace context that
-- an outbox event carries to the workers that handle it.

-- One row per event and channel: the send's idempotency key. The worker leases due rows
-- (FOR UPDATE SKIP LOCKED), sends outside any transaction, then records the outcome: sent,
-- a retry at `next_attempt_at` (exponential back-off), or dead (the dead-letter list).
CREATE TABLE notifications.deliveries (
  id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id            bigint      NOT NULL,
  event_type          text        NOT NULL,
  channel             text        NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
  template            text        NOT NULL,
  locale              text        NOT NULL,
  account_id          uuid,
  recipient           text        NOT NULL,
  subject             text,
  body                text        NOT NULL,
  status              text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts            integer     NOT NULL DEFAULT 0,
  next_attempt_at     timestamptz NOT NULL DEFAULT now(),
  leased_until        timestamptz,
  last_error          text,
  provider            text,
  provider_message_id text,
  trace_context       text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  sent_at             timestamptz,
  dead_at             timestamptz,
  UNIQUE (event_id, channel),
  CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
  CHECK ((status = 'dead') = (dead_at IS NOT NULL))
);
CREATE INDEX deliveries_due ON notifications.deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_dead ON notifications.deliveries (dead_at DESC) WHERE status = 'dead';
CREATE INDEX deliveries_account ON notifications.deliveries (account_id, id DESC);

-- Periodic jobs: a row per job. A worker claims a due job by leasing its row (SKIP LOCKED),
-- runs it outside any transaction, then schedules the next run; a crashed worker's lease runs
-- out and another worker takes the job. So each run happens once, whatever the worker count.
CREATE TABLE platform.jobs (
  name             text        PRIMARY KEY,
  every_seconds    integer     NOT NULL CHECK (every_seconds > 0),
  next_run_at      timestamptz NOT NULL DEFAULT now(),
  leased_until     timestamptz,
  leased_by        text,
  last_started_at  timestamptz,
  last_finished_at timestamptz,
  last_status      text CHECK (last_status IN ('ok', 'failed')),
  last_error       text,
  runs             bigint      NOT NULL DEFAULT 0,
  failures         bigint      NOT NULL DEFAULT 0
);

-- The W3C traceparent of the transaction that wrote an event, so the worker's handling of it
-- continues the same trace. NULL when tracing is off.
ALTER TABLE platform.outbox ADD COLUMN trace_context text;
