-- Support notes on a player's account, written by staff in the back office. Append-only:
-- a note is never edited or deleted; a correction is a new note.
CREATE SCHEMA IF NOT EXISTS support;

CREATE TABLE support.notes (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  player_id  uuid        NOT NULL REFERENCES identity.accounts (id),
  author_id  uuid        NOT NULL REFERENCES identity.accounts (id),
  text       text        NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_player ON support.notes (player_id, created_at DESC, id DESC);

CREATE FUNCTION support.forbid_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'support.notes is append-only' USING ERRCODE = '55000';
END
$$;
CREATE TRIGGER notes_append_only BEFORE UPDATE OR DELETE ON support.notes
  FOR EACH ROW EXECUTE FUNCTION support.forbid_note_change();
