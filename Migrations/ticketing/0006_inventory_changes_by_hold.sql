-- A sale reads the seats its hold had from the hold's latest 'held' or 'assigned' row. Without this
-- index that read scanned the whole audit trail: three rows per purchase, so a sell-out slowed as it went.
CREATE INDEX changes_hold ON inventory.changes (hold_id, id) WHERE hold_id IS NOT NULL;
