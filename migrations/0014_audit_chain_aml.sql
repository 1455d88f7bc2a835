-- The tamper-evident audit trail, AML flags and the indexes player history needs.
--
-- Audit chain. Each audit.events row is sealed into one of 16 hash chains when its
-- transaction commits: a deferred trigger takes the chain's head row (the only lock, held
-- from the seal to the end of the commit), computes
--   hash = sha256(prev_hash || canonical JSON of the record)
-- and appends a link. A transaction picks its chain from its id, so concurrent commits
-- spread over the chains instead of queueing on one head; each chain verifies on its own.
-- The canonical JSON is built by audit.canonical() and reproduced byte for byte by the
-- verifier (src/modules/audit/chain.ts).

CREATE TABLE audit.chains (
  chain smallint PRIMARY KEY CHECK (chain BETWEEN 0 AND 15),
  seq   bigint   NOT NULL DEFAULT 0,
  hash  bytea    NOT NULL DEFAULT decode(repeat('00', 32), 'hex')
);
INSERT INTO audit.chains (chain) SELECT generate_series(0, 15);

CREATE TABLE audit.chain_links (
  event_id  bigint   PRIMARY KEY,
  chain     smallint NOT NULL,
  seq       bigint   NOT NULL,
  prev_hash bytea    NOT NULL,
  hash      bytea    NOT NULL,
  UNIQUE (chain, seq)
);

-- Archived ranges of a chain: the signed, compressed file in object storage that holds them.
-- After a range is archived its rows leave the database; the next link's prev_hash must
-- equal the archive's last_hash.
CREATE TABLE audit.archives (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  chain      smallint    NOT NULL,
  from_seq   bigint      NOT NULL,
  to_seq     bigint      NOT NULL,
  first_prev_hash bytea  NOT NULL,
  last_hash  bytea       NOT NULL,
  records    integer     NOT NULL,
  object_key text        NOT NULL UNIQUE,
  sha256     text        NOT NULL,
  signature  text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  pruned_at  timestamptz,
  UNIQUE (chain, from_seq),
  CHECK (to_seq >= from_seq)
);

CREATE FUNCTION audit.canonical(c integer, s bigint, e audit.events) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT '[' || c::text || ', ' || s::text || ', ' || e.id::text || ', '
    || to_json(to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text || ', '
    || coalesce(to_json(e.actor_id::text)::text, 'null') || ', '
    || coalesce(to_json(e.actor_kind)::text, 'null') || ', '
    || to_json(e.action)::text || ', '
    || coalesce(to_json(e.target_type)::text, 'null') || ', '
    || coalesce(to_json(e.target_id)::text, 'null') || ', '
    || to_json(e.outcome)::text || ', '
    || coalesce(to_json(e.ip)::text, 'null') || ', '
    || coalesce(to_json(e.request_id)::text, 'null') || ', '
    || e.details::text || ']'
$$;

-- Runs as the owner: the application's role may neither write the chain tables nor change
-- a sealed record, yet every record it inserts is sealed. The first seal of a transaction
-- locks its chain's head row; the ones after it continue from the transaction's own last
-- link (kept in a transaction-local setting), so a settlement that seals thousands of
-- records does not rewrite the head row thousands of times. The head row is advanced once,
-- by the trigger on the last link (audit.advance_head).
CREATE FUNCTION audit.seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  c smallint := (txid_current() % 16)::smallint;
  last text := current_setting('ibet.audit_chain_last', true);
  s bigint;
  prev bytea;
  h bytea;
BEGIN
  IF last IS NULL OR last = '' THEN
    SELECT seq, hash INTO s, prev FROM audit.chains WHERE chain = c FOR UPDATE;
  ELSE
    s := split_part(last, ':', 1)::bigint;
    prev := decode(split_part(last, ':', 2), 'hex');
  END IF;
  s := s + 1;
  h := sha256(prev || convert_to(audit.canonical(c, s, NEW), 'UTF8'));
  INSERT INTO audit.chain_links (event_id, chain, seq, prev_hash, hash) VALUES (NEW.id, c, s, prev, h);
  PERFORM set_config('ibet.audit_chain_last', s::text || ':' || encode(h, 'hex'), true);
  RETURN NULL;
END
$$;

-- Fires after every seal of the transaction (the links' events queue behind the seals');
-- only the transaction's last link moves the head.
CREATE FUNCTION audit.advance_head() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF current_setting('ibet.audit_chain_last', true) = NEW.seq::text || ':' || encode(NEW.hash, 'hex') THEN
    UPDATE audit.chains SET seq = NEW.seq, hash = NEW.hash WHERE chain = NEW.chain;
  END IF;
  RETURN NULL;
END
$$;

-- Records written before the chain existed are sealed now, in id order, into chain 0.
DO $$
DECLARE
  e audit.events;
  s bigint := 0;
  prev bytea := decode(repeat('00', 32), 'hex');
  h bytea;
BEGIN
  FOR e IN SELECT * FROM audit.events ORDER BY id LOOP
    s := s + 1;
    h := sha256(prev || convert_to(audit.canonical(0, s, e), 'UTF8'));
    INSERT INTO audit.chain_links (event_id, chain, seq, prev_hash, hash) VALUES (e.id, 0, s, prev, h);
    prev := h;
  END LOOP;
  UPDATE audit.chains SET seq = s, hash = prev WHERE chain = 0;
END
$$;

CREATE CONSTRAINT TRIGGER events_seal AFTER INSERT ON audit.events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit.seal();
CREATE CONSTRAINT TRIGGER links_advance_head AFTER INSERT ON audit.chain_links
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit.advance_head();

-- Rows leave the database only through audit.prune_archived, and only rows of an archived
-- range; everything else that would change or remove a record is refused.
CREATE OR REPLACE FUNCTION audit.forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('ibet.audit_pruning', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME USING ERRCODE = '55000';
END
$$;
CREATE TRIGGER links_append_only BEFORE UPDATE OR DELETE ON audit.chain_links
  FOR EACH ROW EXECUTE FUNCTION audit.forbid_change();
CREATE TRIGGER links_no_truncate BEFORE TRUNCATE ON audit.chain_links
  FOR EACH STATEMENT EXECUTE FUNCTION audit.forbid_change();
CREATE TRIGGER archives_no_delete BEFORE DELETE ON audit.archives
  FOR EACH ROW EXECUTE FUNCTION audit.forbid_change();
CREATE TRIGGER archives_no_truncate BEFORE TRUNCATE ON audit.archives
  FOR EACH STATEMENT EXECUTE FUNCTION audit.forbid_change();

CREATE FUNCTION audit.record_archive(
  p_chain smallint, p_from bigint, p_to bigint, p_first_prev bytea, p_last bytea,
  p_records integer, p_key text, p_sha256 text, p_signature text
) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO audit.archives (chain, from_seq, to_seq, first_prev_hash, last_hash, records, object_key, sha256, signature)
  VALUES (p_chain, p_from, p_to, p_first_prev, p_last, p_records, p_key, p_sha256, p_signature)
  RETURNING id
$$;

-- Deletes the records of an archived range (after the file was written and read back).
CREATE FUNCTION audit.prune_archived(p_archive bigint) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  a audit.archives;
  n integer;
BEGIN
  SELECT * INTO a FROM audit.archives WHERE id = p_archive AND pruned_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN RETURN 0; END IF;
  PERFORM set_config('ibet.audit_pruning', 'on', true);
  WITH gone AS (
    DELETE FROM audit.chain_links WHERE chain = a.chain AND seq BETWEEN a.from_seq AND a.to_seq
    RETURNING event_id
  )
  DELETE FROM audit.events WHERE id IN (SELECT event_id FROM gone);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('ibet.audit_pruning', 'off', true);
  UPDATE audit.archives SET pruned_at = now() WHERE id = p_archive;
  RETURN n;
END
$$;
CREATE TRIGGER archives_only_prune BEFORE UPDATE ON audit.archives
  FOR EACH ROW WHEN (OLD.pruned_at IS NOT NULL OR NEW.id <> OLD.id OR NEW.last_hash <> OLD.last_hash
                     OR NEW.chain <> OLD.chain OR NEW.from_seq <> OLD.from_seq OR NEW.to_seq <> OLD.to_seq
                     OR NEW.sha256 <> OLD.sha256 OR NEW.signature <> OLD.signature)
  EXECUTE FUNCTION audit.forbid_change();

CREATE INDEX audit_events_at ON audit.events (at, id);

-- The application's database role. Deployments run migrations as the owner and the
-- application as a login role that is a member of ibet_app: it may read and write every
-- table it needs, but on the audit tables only SELECT and INSERT (the chain tables only
-- SELECT; the seal writes them as the owner).
DO $$
DECLARE
  s name;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ibet_app') THEN
    BEGIN
      CREATE ROLE ibet_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database of the same cluster created it at the same moment
    END;
  END IF;
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT LIKE 'pg\_%' AND nspname NOT IN ('information_schema', 'audit') LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO ibet_app', s);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO ibet_app', s);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO ibet_app', s);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO ibet_app', s);
  END LOOP;
END
$$;
-- Tables later migrations create get the same grants (audit tables revoke them explicitly).
ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO ibet_app;
ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ibet_app;
ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ibet_app;

GRANT USAGE ON SCHEMA audit TO ibet_app;
REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM ibet_app;
GRANT SELECT, INSERT ON audit.events TO ibet_app;
GRANT SELECT ON audit.chains, audit.chain_links, audit.archives TO ibet_app;
REVOKE ALL ON FUNCTION audit.record_archive(smallint, bigint, bigint, bytea, bytea, integer, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION audit.prune_archived(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.record_archive(smallint, bigint, bigint, bytea, bytea, integer, text, text, text) TO ibet_app;
GRANT EXECUTE ON FUNCTION audit.prune_archived(bigint) TO ibet_app;

-- AML flags: raised by the rules in src/modules/aml from deposits, withdrawals and stakes;
-- reviewed and resolved by the risk and compliance teams. A flag is raised once per rule and
-- triggering fact (`source`), so a redelivered event raises nothing new.
CREATE SCHEMA aml;
CREATE TABLE aml.flags (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  player_id   uuid        NOT NULL,
  rule        text        NOT NULL CHECK (rule IN ('single_deposit', 'single_withdrawal',
                            'cumulative_deposits', 'cumulative_withdrawals', 'rapid_cycle', 'stake_pattern')),
  source      text        NOT NULL,
  currency    text        NOT NULL,
  amount      bigint      NOT NULL,
  threshold   bigint      NOT NULL,
  details     jsonb       NOT NULL DEFAULT '{}',
  status      text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  raised_at   timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  resolved_by uuid,
  resolution  text        CHECK (resolution IN ('no_action', 'monitor', 'reported', 'restricted')),
  notes       text,
  UNIQUE (rule, source),
  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL AND resolution IS NOT NULL AND notes IS NOT NULL))
);
CREATE INDEX aml_flags_open ON aml.flags (raised_at DESC) WHERE status = 'open';
CREATE INDEX aml_flags_player ON aml.flags (player_id, raised_at DESC);
GRANT USAGE ON SCHEMA aml TO ibet_app;
REVOKE DELETE, TRUNCATE ON aml.flags FROM ibet_app;
GRANT SELECT, INSERT, UPDATE ON aml.flags TO ibet_app;
