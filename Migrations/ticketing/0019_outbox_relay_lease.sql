-- One lease per relay target instead of one per message: the relay instance that holds a target's
-- row publishes that target's pending messages, and each message is written once more (when it is
-- marked) instead of twice. A relay that dies loses the target when its lease runs out; a message it
-- sent but did not mark is sent again by the next holder, and the bus drops it by Msg-Id.
CREATE TABLE outbox.relays (
    target text PRIMARY KEY CHECK (target IN ('bus', 'jobs')),
    owner text,
    leased_until timestamptz
);
INSERT INTO outbox.relays (target) VALUES ('bus'), ('jobs');
ALTER TABLE outbox.messages DROP COLUMN publish_leased_until, DROP COLUMN job_leased_until;
