-- One seat reservation (quantity 2, best available in one sector), statement for statement the
-- transaction of Inventory.reserve(on:) in Sources/Ticketing/Modules/Inventory/Inventory.swift.
-- Run by scripts/bench-inventory:
--   pgbench -n -f reserve.sql -D match=<id> -D nsec=<sectors> -D run=<tag> -D selloff=0|1 \
--           -D n=0 -D tick=0 -D empty=0 -D ttl=3600
-- pgbench variables live per client across transactions: n numbers this client's buyers (every
-- transaction is a new buyer, so the per-buyer limit never binds), tick rotates its sector in
-- sell-out mode (on to the next sector when one is empty or all its candidates are locked), empty
-- counts consecutive sectors found empty.
--
-- The differences from the Swift code: pgbench cannot run SeatSelection between the candidate
-- SELECT and the UPDATE, nor its fallback to the next free units past rows locked by others (it
-- moves to the next sector instead), so the window (whole rows up to the one holding the 33rd free unit in
-- snake order, FOR UPDATE SKIP LOCKED, locked until the commit exactly as in Swift) is aggregated
-- server-side and the first 2 in snake order are taken.
\set n :n + 1
\if :selloff = 1
\set s (:client_id + :tick) % :nsec + 1
\else
\set s random(1, :nsec)
\endif
BEGIN;
-- The buyer's counter raised, with the sector as sold now and its seats available as last committed
-- in the same statement: an empty sector is refused (rolled back) before any seat is locked.
WITH buyer AS (
    INSERT INTO inventory.buyer_counts AS b (match_id, buyer_id, held) VALUES (:match, 'pgbench-:run-:client_id-:n', 2)
    ON CONFLICT (match_id, buyer_id) DO UPDATE SET held = b.held + EXCLUDED.held
    RETURNING b.held + b.sold AS total)
SELECT s.kind, s.open::int AS open, (v.config -> 'prices' ->> s.price_category)::int AS price, coalesce(c.available, 0) AS available,
       (SELECT total FROM buyer) AS total
    FROM inventory.sectors s
    JOIN matches.matches m ON m.id = s.match_id
    JOIN matches.config_versions v ON v.match_id = m.id AND v.version = m.config_version
    LEFT JOIN inventory.sector_counts c ON c.match_id = s.match_id AND c.sector_code = s.code
    WHERE s.match_id = :match AND s.code = 'S:s' \gset
\if :available < 2
ROLLBACK;
\set tick :tick + 1
\set empty :empty + 1
\if :selloff = 1 AND :empty >= :nsec
-- Every sector is empty: this client is done. pgbench has no "stop", so end the client with an
-- evaluation error (reported as "aborted"; the script expects it).
\set done 1 / 0
\endif
\else
WITH w AS (
    SELECT id, coalesce(row_label, '') AS row_label, row_priority, coalesce(seat_number, snake_order) AS number, snake_order
    FROM inventory.units
    WHERE match_id = :match AND sector_code = 'S:s' AND status = 'available'
      AND row_priority <= coalesce((
          SELECT row_priority FROM inventory.units
          WHERE match_id = :match AND sector_code = 'S:s' AND status = 'available'
          ORDER BY snake_order OFFSET 32 LIMIT 1), 2147483647)
    ORDER BY snake_order
    FOR UPDATE SKIP LOCKED)
SELECT count(*) AS got,
       coalesce((array_agg(id ORDER BY snake_order))[1], 0) AS u1,
       coalesce((array_agg(id ORDER BY snake_order))[2], 0) AS u2
FROM w \gset
\if :got >= 2 AND :open = 1
\set hold_key random(1, 1000000000)
WITH hold AS (
    INSERT INTO inventory.holds (id, match_id, buyer_id, sector_code, quantity, unit_ids, expires_at)
    VALUES (md5(':run-:client_id-:n-:hold_key')::uuid, :match, 'pgbench-:run-:client_id-:n', 'S:s', 2, ARRAY[:u1, :u2]::bigint[],
            now() + make_interval(secs => :ttl))
    RETURNING id, expires_at
), units AS (
    UPDATE inventory.units SET status = 'held', hold_id = md5(':run-:client_id-:n-:hold_key')::uuid
    WHERE id = ANY(ARRAY[:u1, :u2]::bigint[]) AND status = 'available'
    RETURNING id, sector_code, row_label, seat_label
), audit AS (
    INSERT INTO audit.entries (domain, action, actor_id, actor_role, subjects, data)
    VALUES ('E3', 'hold.created', 'pgbench-:run-:client_id-:n', 'customer',
            ARRAY['hold:' || md5(':run-:client_id-:n-:hold_key')::uuid, 'match:' || :match],
            jsonb_build_object('sector', 'S:s', 'unit_ids', ARRAY[:u1, :u2]::bigint[]))
)
SELECT hold.expires_at, units.id, units.sector_code, units.row_label, units.seat_label FROM hold, units;
UPDATE inventory.sector_counts
    SET available = available + -2, held = held + 2, sold = sold + 0, blocked = blocked + 0, version = version + 1
    WHERE match_id = :match AND sector_code = 'S:s';
COMMIT;
\set empty 0
\else
-- Seats are available but every candidate is locked by concurrent buyers (Swift: the next free
-- units past them, else contention, 503 after 3 tries): next sector.
SELECT available AS remaining FROM inventory.sector_counts WHERE match_id = :match AND sector_code = 'S:s' \gset
ROLLBACK;
\set tick :tick + 1
\endif
\endif
