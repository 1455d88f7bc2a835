-- Room on each page for the next version of a row: the players' balances and the liability
-- shards are updated by every bet, and none of their indexes covers the updated column, so
-- with free space on the page an update is a heap-only tuple (no index entries, no other
-- page). Packed pages (the default fillfactor 100) send every update to another page and
-- every index. Applies to pages written from now on; an existing table gets it page by page,
-- or at once with a rewrite (VACUUM FULL, pg_repack) in a maintenance window.
ALTER TABLE wallet.accounts SET (fillfactor = 80);
ALTER TABLE betting.liability SET (fillfactor = 80);
