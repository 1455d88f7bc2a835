-- Messages to players, written by the notifications consumer from outbox events.
CREATE SCHEMA notifications;

CREATE TABLE notifications.messages (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id uuid        NOT NULL,
  event_id   bigint      NOT NULL,
  kind       text        NOT NULL,
  title      text        NOT NULL,
  body       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz,
  UNIQUE (event_id, account_id)
);
CREATE INDEX messages_account ON notifications.messages (account_id, id DESC);
