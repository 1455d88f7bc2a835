-- What a mail costs the database after it is queued, cut to what the queue needs.
--
-- The mail log no longer keeps its own copy of when a mail left: the delivery of the mail's
-- event on the email channel records it (notifications.deliveries.sent_at, unique per event
-- and channel), and the log reads it from there. Marking a batch sent is one update of the
-- deliveries instead of two tables.
ALTER TABLE notifications.mail DROP COLUMN sent_at;

-- A delivery is updated twice: leased (attempts, leased_until) and then sent. The lease
-- changes no indexed column, so with room on the page it is a heap-only tuple: no entries in
-- the table's four indexes, and none for the due index's scan to step over. A batch leases
-- consecutive rows — whole pages — so a page keeps half its space for their next versions.
-- Applies to pages written from now on.
ALTER TABLE notifications.deliveries SET (fillfactor = 50);
