-- E13: the stadium's attendance export, imported after the match: each scanned code marks its
-- ticket used, with when and at which gate.
ALTER TABLE tickets.tickets ADD COLUMN used_at timestamptz, ADD COLUMN used_gate text;

-- Which columns of a stadium's export hold the code, the scan time and the gate (header names).
CREATE TABLE access.attendance_mappings (
    stadium_id        bigint PRIMARY KEY,
    barcode_column    text NOT NULL,
    scanned_at_column text NOT NULL,
    gate_column       text,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- One row per imported file; the same file again answers this report and changes nothing.
CREATE TABLE access.attendance_imports (
    id          uuid PRIMARY KEY,
    match_id    bigint NOT NULL,
    sha256      text NOT NULL,
    format      text NOT NULL CHECK (format IN ('csv', 'xlsx')),
    rows        integer NOT NULL,
    actor       text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    report      jsonb NOT NULL,
    UNIQUE (match_id, sha256)
);

-- E1: a profile's loyalty tier follows from the ledger below (per person, whatever account bought the
-- ticket), no longer from a column of its own.
ALTER TABLE profiles.profiles DROP COLUMN loyalty_tier;

-- E6: loyalty points, per person (OIB, else passport), never per account: a fan earns them with
-- any ticket in their name. The ledger is append-only; a person earns for a match once.
CREATE SCHEMA IF NOT EXISTS loyalty;
CREATE TABLE loyalty.ledger (
    id         bigserial PRIMARY KEY,
    person_key text NOT NULL,
    points     integer NOT NULL,
    reason     text NOT NULL CHECK (reason IN ('attendance')),
    match_id   bigint,
    ticket_id  uuid,
    at         timestamptz NOT NULL DEFAULT now()
);
-- Once per person, match and reason (a person's history reads it by its first column too).
CREATE UNIQUE INDEX ledger_once ON loyalty.ledger (person_key, match_id, reason);

CREATE FUNCTION loyalty.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'loyalty.ledger is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON loyalty.ledger
    FOR EACH ROW EXECUTE FUNCTION loyalty.refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON loyalty.ledger
    FOR EACH STATEMENT EXECUTE FUNCTION loyalty.refuse_change();

-- The ledger's sum per person, kept with each award (the tier follows from it and the thresholds).
CREATE TABLE loyalty.balances (
    person_key text PRIMARY KEY,
    points     integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- An early-access phase whose eligible fans were sent their push, once.
CREATE TABLE loyalty.phase_notices (
    match_id    bigint NOT NULL,
    phase       text NOT NULL,
    recipients  integer NOT NULL,
    notified_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (match_id, phase)
);
