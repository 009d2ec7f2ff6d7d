-- E3: one row per sellable unit of a match (a numbered seat, or a place in a standing or
-- not-yet-mapped AWAY sector). The unit row is the single truth of its status, so a seat can
-- never be in two holds or sold twice: the constraints below make that impossible, not unlikely.
CREATE TABLE inventory.sectors (
    match_id       bigint NOT NULL REFERENCES matches.matches (id),
    code           text NOT NULL,
    name           text NOT NULL,
    stand          text NOT NULL,
    gate           text NOT NULL,
    -- numbered: concrete seats; standing: capacity only; unassigned: AWAY capacity awaiting a seat map.
    kind           text NOT NULL CHECK (kind IN ('numbered', 'standing', 'unassigned')),
    price_category text NOT NULL,
    open           boolean NOT NULL DEFAULT true,
    PRIMARY KEY (match_id, code)
);

CREATE TABLE inventory.holds (
    id          uuid PRIMARY KEY,
    match_id    bigint NOT NULL REFERENCES matches.matches (id),
    buyer_id    text NOT NULL,
    sector_code text NOT NULL,
    quantity    integer NOT NULL CHECK (quantity BETWEEN 1 AND 50),
    state       text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'released', 'expired', 'sold')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    end_reason  text,
    CHECK ((state = 'active') = (ended_at IS NULL))
);
CREATE INDEX holds_expiry ON inventory.holds (expires_at) WHERE state = 'active';
CREATE INDEX holds_buyer ON inventory.holds (match_id, buyer_id, created_at);

CREATE TABLE inventory.units (
    id              bigserial PRIMARY KEY,
    match_id        bigint NOT NULL,
    sector_code     text NOT NULL,
    row_label       text,
    seat_label      text,
    seat_number     integer,
    row_priority    integer NOT NULL DEFAULT 1,
    snake_order     integer NOT NULL,
    accessible      boolean NOT NULL DEFAULT false,
    restricted_view boolean NOT NULL DEFAULT false,
    x               double precision,
    y               double precision,
    status          text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'held', 'sold', 'blocked')),
    -- The hold that holds (or sold) the unit; one column, so one hold at most.
    hold_id         uuid REFERENCES inventory.holds (id),
    block_reason    text,
    FOREIGN KEY (match_id, sector_code) REFERENCES inventory.sectors (match_id, code),
    CHECK ((status IN ('held', 'sold')) = (hold_id IS NOT NULL)),
    CHECK ((status = 'blocked') = (block_reason IS NOT NULL)),
    CHECK ((row_label IS NULL) = (seat_label IS NULL)),
    UNIQUE (match_id, sector_code, snake_order),
    UNIQUE (match_id, sector_code, row_label, seat_label)
);
-- The reservation scan: free units of one sector in snake order.
CREATE INDEX units_free ON inventory.units (match_id, sector_code, snake_order) WHERE status = 'available';
CREATE INDEX units_hold ON inventory.units (hold_id) WHERE hold_id IS NOT NULL;

-- Exact counters per sector, changed in the same transaction as the units; `version` orders
-- the copies pushed to Redis so that an older value never overwrites a newer one.
CREATE TABLE inventory.sector_counts (
    match_id    bigint NOT NULL,
    sector_code text NOT NULL,
    available   integer NOT NULL CHECK (available >= 0),
    held        integer NOT NULL DEFAULT 0 CHECK (held >= 0),
    sold        integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
    blocked     integer NOT NULL DEFAULT 0 CHECK (blocked >= 0),
    version     bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (match_id, sector_code),
    FOREIGN KEY (match_id, sector_code) REFERENCES inventory.sectors (match_id, code)
);

-- Units a buyer holds or bought per match: the per-buyer limit is checked against this row,
-- which also serialises one buyer's concurrent requests.
CREATE TABLE inventory.buyer_counts (
    match_id bigint NOT NULL,
    buyer_id text NOT NULL,
    held     integer NOT NULL DEFAULT 0 CHECK (held >= 0),
    sold     integer NOT NULL DEFAULT 0 CHECK (sold >= 0),
    PRIMARY KEY (match_id, buyer_id)
);

-- Every change to inventory, for the audit trail (shipped to Loki by the audit module).
CREATE TABLE inventory.changes (
    id          bigserial PRIMARY KEY,
    match_id    bigint NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('created', 'held', 'released', 'expired', 'sold', 'blocked', 'unblocked',
                                             'sector_closed', 'sector_opened', 'price_changed', 'assigned')),
    sector_code text,
    hold_id     uuid,
    unit_ids    bigint[] NOT NULL DEFAULT '{}',
    actor       text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX changes_match ON inventory.changes (match_id, id);
