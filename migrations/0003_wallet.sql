-- Double-entry ledger in integer minor units. A transfer moves `amount` from its debit
-- account to its credit account; an account's balance is credits minus debits. Per
-- currency the balances sum to zero.
CREATE SCHEMA wallet;

CREATE TABLE wallet.accounts (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The player who owns the account; NULL for system accounts (house, PSP clearing).
  owner_id   uuid,
  kind       text        NOT NULL CHECK (kind IN ('player_cash', 'player_bets_held', 'house', 'psp_clearing')),
  currency   char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Running balance of player-owned accounts, kept in the transaction that posts the transfer.
  -- System accounts are shared by every player: updating one row per transfer would
  -- serialize all traffic, so their balance is the sum of their transfers and this stays 0.
  balance    bigint      NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, currency),
  CONSTRAINT owner_matches_kind CHECK ((owner_id IS NULL) = (kind IN ('house', 'psp_clearing'))),
  CONSTRAINT player_balance_not_negative CHECK (owner_id IS NULL OR balance >= 0),
  CONSTRAINT system_balance_derived CHECK (owner_id IS NOT NULL OR balance = 0)
);
CREATE UNIQUE INDEX accounts_player ON wallet.accounts (owner_id, kind, currency) WHERE owner_id IS NOT NULL;
CREATE UNIQUE INDEX accounts_system ON wallet.accounts (kind, currency) WHERE owner_id IS NULL;

CREATE TABLE wallet.transfers (
  id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  debit_account_id  bigint      NOT NULL,
  credit_account_id bigint      NOT NULL,
  amount            bigint      NOT NULL CHECK (amount > 0),
  currency          char(3)     NOT NULL,
  kind              text        NOT NULL,
  reference         text        NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (debit_account_id <> credit_account_id),
  -- Both sides must be accounts in the transfer's currency.
  FOREIGN KEY (debit_account_id, currency) REFERENCES wallet.accounts (id, currency),
  FOREIGN KEY (credit_account_id, currency) REFERENCES wallet.accounts (id, currency)
);
CREATE INDEX transfers_debit ON wallet.transfers (debit_account_id, id);
CREATE INDEX transfers_credit ON wallet.transfers (credit_account_id, id);
CREATE INDEX transfers_reference ON wallet.transfers (reference);

-- History is append-only: a correction is a new transfer.
CREATE FUNCTION wallet.forbid_transfer_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'wallet.transfers is append-only' USING ERRCODE = '55000';
END
$$;
CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON wallet.transfers
  FOR EACH ROW EXECUTE FUNCTION wallet.forbid_transfer_change();
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON wallet.transfers
  FOR EACH STATEMENT EXECUTE FUNCTION wallet.forbid_transfer_change();

-- Deposits and withdrawals through a payment provider.
CREATE TABLE wallet.payments (
  id             uuid        PRIMARY KEY,
  owner_id       uuid        NOT NULL,
  account_id     bigint      NOT NULL REFERENCES wallet.accounts (id),
  direction      text        NOT NULL CHECK (direction IN ('deposit', 'withdrawal')),
  amount         bigint      NOT NULL CHECK (amount > 0),
  currency       char(3)     NOT NULL,
  provider       text        NOT NULL,
  provider_ref   text,
  status         text        NOT NULL CHECK (status IN ('pending', 'completed', 'failed')),
  failure_reason text,
  -- The player's Idempotency-Key for the request that created it: whoever records the
  -- outcome (the request itself or reconciliation) stores the response under it.
  idempotency_scope text     NOT NULL,
  idempotency_key   text     NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  completed_at   timestamptz
);
CREATE INDEX payments_owner ON wallet.payments (owner_id, created_at DESC);
CREATE INDEX payments_pending ON wallet.payments (created_at) WHERE status = 'pending';
