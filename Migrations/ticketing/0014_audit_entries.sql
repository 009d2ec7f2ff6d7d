-- The audit trail: one row per state change, written by the transaction that makes the change,
-- never changed afterwards. `domain` is the seed's module (E1 User/Profile … E14 Reporting);
-- `subjects` names what changed ("match:7", "hold:…", "order:…"), the first being the main one.
CREATE TABLE audit.entries (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    domain      text NOT NULL CHECK (domain IN ('E1', 'E2', 'E3', 'E4', 'E6', 'E7', 'E8', 'E9', 'E10', 'E11', 'E12', 'E13', 'E14')),
    action      text NOT NULL,
    actor_id    text NOT NULL,
    -- A role of the identity that acted (customer, admin, support, quota_owner, petrol_staff), or service.
    actor_role  text NOT NULL,
    subjects    text[] NOT NULL CHECK (cardinality(subjects) >= 1),
    data        jsonb NOT NULL DEFAULT '{}',
    request_id  text
);
-- An entry is looked up by its main subject ("order:…"), in order.
CREATE INDEX entries_subject ON audit.entries ((subjects[1]), id);
CREATE INDEX entries_domain_at ON audit.entries (domain, at);

-- Append-only: the database itself refuses to change or remove an entry.
CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit.entries is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON audit.entries
    FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON audit.entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

-- The records kept so far become entries, in their original order; their tables go.
INSERT INTO audit.entries (at, domain, action, actor_id, actor_role, subjects, data)
SELECT at, domain, action, actor, role, subjects, data FROM (
    SELECT c.at, 'E3' AS domain, 'inventory.' || c.kind AS action, c.actor,
           CASE WHEN c.actor LIKE 'system:%' OR c.actor LIKE 'stripe%' THEN 'service' ELSE 'customer' END AS role,
           ARRAY['match:' || c.match_id] || CASE WHEN c.hold_id IS NULL THEN '{}'::text[] ELSE ARRAY['hold:' || c.hold_id] END AS subjects,
           jsonb_strip_nulls(jsonb_build_object('sector', c.sector_code, 'unit_ids', to_jsonb(c.unit_ids))) || c.detail AS data,
           c.at AS sort_at, 1 AS source, c.id AS sort_id
    FROM inventory.changes c
    UNION ALL
    SELECT s.at, 'E4', 'order.' || s.to_state, s.actor,
           CASE WHEN s.actor LIKE 'system:%' OR s.actor LIKE 'stripe%' THEN 'service' ELSE 'customer' END,
           ARRAY['order:' || s.order_id],
           jsonb_strip_nulls(jsonb_build_object('from', s.from_state, 'to', s.to_state, 'reason', s.reason)),
           s.at, 2, s.id
    FROM orders.state_changes s
    UNION ALL
    SELECT s.at, 'E2', 'match.' || s.to_state, s.actor,
           CASE WHEN s.actor LIKE 'system:%' THEN 'service' ELSE 'admin' END,
           ARRAY['match:' || s.match_id],
           jsonb_strip_nulls(jsonb_build_object('from', s.from_state, 'to', s.to_state, 'reason', s.reason)),
           s.at, 3, s.id
    FROM matches.state_changes s
) old ORDER BY sort_at, source, sort_id;

DROP TABLE inventory.changes;
DROP TABLE orders.state_changes;
DROP TABLE matches.state_changes;
