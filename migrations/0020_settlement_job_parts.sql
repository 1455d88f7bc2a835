-- A market's settlement job in parts: part p of n takes the bets of the players whose liability
-- shard is p modulo n, so the parts settle disjoint sets of bets side by side, each with its
-- own cursor and lease. Jobs made before this are one part of one.
ALTER TABLE settlement.jobs
  ADD COLUMN part  smallint NOT NULL DEFAULT 0,
  ADD COLUMN parts smallint NOT NULL DEFAULT 1,
  ADD CONSTRAINT jobs_part_of_parts CHECK (parts BETWEEN 1 AND 64 AND part >= 0 AND part < parts),
  DROP CONSTRAINT jobs_market_id_result_version_key,
  ADD CONSTRAINT jobs_market_version_part UNIQUE (market_id, result_version, part);
