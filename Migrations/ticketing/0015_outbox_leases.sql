-- The relay no longer holds row locks while it talks to the bus or Redis: it leases a batch (a
-- crashed relay's lease simply runs out), publishes, then marks it. A message the bus refuses for
-- good (a bad subject, too large) is parked aside with its error instead of blocking those after it.
ALTER TABLE outbox.messages ADD COLUMN publish_leased_until timestamptz, ADD COLUMN job_leased_until timestamptz,
    ADD COLUMN parked_at timestamptz;
DROP INDEX outbox.outbox_pending;
CREATE INDEX outbox_pending ON outbox.messages (id) WHERE published_at IS NULL AND parked_at IS NULL;
