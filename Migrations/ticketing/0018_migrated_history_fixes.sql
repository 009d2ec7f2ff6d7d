-- Two slips of 0013 and 0014, mended before anything reads them:
-- an attendee of an order that had no tickets yet got no ticket id, so its tickets, once issued,
-- would have had ids the order does not name;
UPDATE orders.attendees SET ticket_id = gen_random_uuid() WHERE ticket_id IS NULL;
ALTER TABLE orders.attendees ALTER COLUMN ticket_id SET NOT NULL;

-- and the hold records copied into the audit trail were named and ordered unlike the ones written
-- since (main subject first: the hold), and staff's configuration changes were given the customer
-- role. Only the copied rows match these conditions; the trail is append-only for everyone else.
ALTER TABLE audit.entries DISABLE TRIGGER entries_append_only;
UPDATE audit.entries
SET action = CASE action WHEN 'inventory.held' THEN 'hold.created' ELSE 'hold.' || substr(action, 11) END,
    subjects = ARRAY[subjects[2], subjects[1]] || subjects[3:]
WHERE action IN ('inventory.held', 'inventory.released', 'inventory.expired', 'inventory.sold')
  AND subjects[1] LIKE 'match:%' AND subjects[2] LIKE 'hold:%';
UPDATE audit.entries SET actor_role = 'admin'
WHERE actor_role = 'customer'
  AND action IN ('inventory.created', 'inventory.blocked', 'inventory.unblocked', 'inventory.sector_closed', 'inventory.sector_opened',
                 'inventory.price_changed', 'inventory.assigned');
ALTER TABLE audit.entries ENABLE TRIGGER entries_append_only;
