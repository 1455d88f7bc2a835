-- The notifications dispatcher leases the due deliveries oldest first, by (next_attempt_at, id).
-- An index on next_attempt_at alone left the id order to a sort of every pending row: tens of
-- milliseconds a lease of 50 once a settlement's mail is queued. Ordered like the webhooks'.
DROP INDEX notifications.deliveries_due;
CREATE INDEX deliveries_due ON notifications.deliveries (next_attempt_at, id) WHERE status = 'pending';
