-- Issued tickets for the first :sectors sectors of match :match, as purchases leave them: a sold
-- hold, an order with tickets issued, one attendee (a passport holder of their own) and one ticket
-- per seat. Seeded in SQL because the benchmark measures the gates' export and the attendance
-- import, not how the tickets were sold (bench-purchase does that).
BEGIN;
CREATE TEMP TABLE seed AS
SELECT u.id AS unit_id, u.sector_code, u.row_label, u.seat_label, gen_random_uuid() AS hold_id, gen_random_uuid() AS order_id,
       gen_random_uuid() AS ticket_id, row_number() OVER (ORDER BY u.id) AS n
FROM inventory.units u
WHERE u.match_id = :match
  AND u.sector_code IN (SELECT code FROM inventory.sectors WHERE match_id = :match ORDER BY code LIMIT :sectors);
INSERT INTO inventory.holds (id, match_id, buyer_id, sector_code, quantity, state, expires_at, ended_at, end_reason, unit_ids)
SELECT hold_id, :match, 'seed-' || :match || '-' || n, sector_code, 1, 'sold', now(), now(), 'sold', ARRAY[unit_id] FROM seed;
UPDATE inventory.units u SET status = 'sold', hold_id = s.hold_id FROM seed s WHERE u.id = s.unit_id;
INSERT INTO orders.orders (id, match_id, buyer_id, hold_id, state, unit_price_cents, amount_cents, hold_expires_at)
SELECT order_id, :match, 'seed-' || :match || '-' || n, hold_id, 'tickets_issued', 5000, 5000, now() FROM seed;
INSERT INTO orders.attendees (order_id, position, unit_id, first_name, last_name, date_of_birth, passport_number, passport_country,
                              nationality, person_key, match_id, sector_code, row_label, seat_label, ticket_id)
SELECT order_id, 1, unit_id, 'Navijač', 'Broj ' || n, date '1990-01-01', 'S' || :match || 'N' || n, 'HR', 'HR',
       'passport:HR:S' || :match || 'N' || n, :match, sector_code, row_label, seat_label, ticket_id FROM seed;
INSERT INTO tickets.tickets (id, order_id, match_id, unit_id, position, barcode, holder_name, sector_code, row_label, seat_label,
                             holder_user_id)
SELECT ticket_id, order_id, :match, unit_id, 1, 'HNS1' || substr(md5(ticket_id::text || random()::text), 1, 27), 'Navijač Broj ' || n,
       sector_code, row_label, seat_label, 'seed-' || :match || '-' || n FROM seed;
COMMIT;
ANALYZE;
