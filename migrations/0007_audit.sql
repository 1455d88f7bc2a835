-- The audit log: one row per authentication event, privileged action and (later) money move,
-- written in the same transaction as what it records. Rows are never changed or removed.
CREATE SCHEMA audit;

CREATE TABLE audit.events (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  -- Who did it: an account, or nobody yet (a failed sign-in with an unknown address).
  actor_id    uuid,
  actor_kind  text        CHECK (actor_kind IN ('player', 'staff', 'partner', 'system')),
  action      text        NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_.]+$'),
  target_type text,
  target_id   text,
  outcome     text        NOT NULL DEFAULT 'success' CHECK (outcome IN ('success', 'failure')),
  ip          text,
  request_id  text,
  details     jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_actor ON audit.events (actor_id, id);
CREATE INDEX audit_events_target ON audit.events (target_type, target_id, id);
CREATE INDEX audit_events_action ON audit.events (action, id);

CREATE FUNCTION audit.forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit.events is append-only' USING ERRCODE = '55000';
END
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON audit.events
  FOR EACH ROW EXECUTE FUNCTION audit.forbid_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON audit.events
  FOR EACH STATEMENT EXECUTE FUNCTION audit.forbid_change();
