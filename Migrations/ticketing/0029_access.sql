-- E13: what the stadium's own access control is given. Each export is recorded with the snapshot
-- it read, so that a later export can hand over exactly what changed since: a code's or a
-- revocation's transaction is compared with that snapshot (`pg_visible_in_snapshot`), which no
-- clock skew or late commit can fool.
ALTER TABLE tickets.tickets ADD COLUMN code_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE tickets.revoked_barcodes ADD COLUMN revoked_xid xid8 NOT NULL DEFAULT pg_current_xact_id();

CREATE SCHEMA IF NOT EXISTS access;
CREATE TABLE access.match_versions (
    match_id     bigint PRIMARY KEY,
    last_version integer NOT NULL
);
CREATE TABLE access.exports (
    match_id      bigint NOT NULL,
    version       integer NOT NULL,
    -- Null: every valid code; else the codes added and revoked since that version.
    since_version integer,
    format        text NOT NULL CHECK (format IN ('xlsx', 'csv')),
    holder_names  boolean NOT NULL,
    actor         text NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    -- Set when the file was sent whole; an export that broke off has none and is no base for a delta.
    snapshot      pg_snapshot,
    completed_at  timestamptz,
    valid_rows    integer,
    revoked_rows  integer,
    sha256        text,
    PRIMARY KEY (match_id, version)
);
