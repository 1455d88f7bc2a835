-- The back office's live bet ticker reads the newest bets across all players
-- (GET /api/v1/admin/reports/bets): an index on the placement time keeps that a range scan.
CREATE INDEX bets_placed ON betting.bets (placed_at DESC, id DESC);
