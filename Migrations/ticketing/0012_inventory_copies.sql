-- Inventory keeps what it sells by: the price of each sector (copied by Matches whenever the match's
-- configuration changes) and the units of each hold (the record a late payment re-takes them from),
-- so no inventory statement reads another module's tables.
ALTER TABLE inventory.sectors ADD COLUMN price_cents integer CHECK (price_cents >= 0);
UPDATE inventory.sectors s SET price_cents = (v.config -> 'prices' ->> s.price_category)::int
FROM matches.matches m JOIN matches.config_versions v ON v.match_id = m.id AND v.version = m.config_version
WHERE m.id = s.match_id;

ALTER TABLE inventory.holds ADD COLUMN unit_ids bigint[] NOT NULL DEFAULT '{}';
UPDATE inventory.holds h SET unit_ids = c.unit_ids
FROM (SELECT DISTINCT ON (hold_id) hold_id, unit_ids FROM inventory.changes
      WHERE hold_id IS NOT NULL AND kind IN ('held', 'assigned') ORDER BY hold_id, id DESC) c
WHERE c.hold_id = h.id;
