-- The order view reads only the orders schema: each attendee keeps its seat's labels (relabelled
-- when an AWAY match gets its seat map) and its ticket's id, and the order the expiry of its hold.
ALTER TABLE orders.attendees ADD COLUMN sector_code text, ADD COLUMN row_label text, ADD COLUMN seat_label text,
    ADD COLUMN ticket_id uuid;
UPDATE orders.attendees a SET sector_code = u.sector_code, row_label = u.row_label, seat_label = u.seat_label
FROM inventory.units u WHERE u.id = a.unit_id;
UPDATE orders.attendees a SET ticket_id = t.id FROM tickets.tickets t WHERE t.order_id = a.order_id AND t.position = a.position;
ALTER TABLE orders.attendees ALTER COLUMN sector_code SET NOT NULL;

ALTER TABLE orders.orders ADD COLUMN hold_expires_at timestamptz;
UPDATE orders.orders o SET hold_expires_at = h.expires_at FROM inventory.holds h WHERE h.id = o.hold_id;
ALTER TABLE orders.orders ALTER COLUMN hold_expires_at SET NOT NULL;
CREATE INDEX orders_open_since ON orders.orders (updated_at) WHERE state IN ('created', 'seats_held', 'awaiting_payment');

-- Written from the queue's events and never read: the order carries its window (window_id,
-- window_ends_at), and a window's end now ends its unpaid orders directly.
DROP TABLE orders.purchase_windows;

-- The queue's `queue.expired` ends the unpaid orders of that window.
CREATE INDEX orders_window ON orders.orders (window_id) WHERE window_id IS NOT NULL;
