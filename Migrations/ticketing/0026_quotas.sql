-- E3: seats set aside for a quota (an allocation, named by the quota or sub-quota that has the seat):
-- neither on sale nor held. A unit keeps its
-- allocation while a claim holds or sold it; a hold taken from an allocation gives its seats back
-- to it (or to general sale once the allocation is gone), and does not count against a buyer's limit.
ALTER TABLE inventory.units DROP CONSTRAINT units_status_check;
ALTER TABLE inventory.units ADD CONSTRAINT units_status_check CHECK (status IN ('available', 'held', 'sold', 'blocked', 'allocated'));
ALTER TABLE inventory.units ADD COLUMN allocation_id uuid;
ALTER TABLE inventory.units ADD CONSTRAINT units_allocated_check CHECK (status <> 'allocated' OR allocation_id IS NOT NULL);
CREATE INDEX units_allocation ON inventory.units (allocation_id) WHERE allocation_id IS NOT NULL;
-- A quota's free seats per sector in snake order (a claim picks from them).
CREATE INDEX units_allocated ON inventory.units (allocation_id, sector_code, snake_order) WHERE status = 'allocated';
ALTER TABLE inventory.sector_counts ADD COLUMN allocated integer NOT NULL DEFAULT 0 CHECK (allocated >= 0);
ALTER TABLE inventory.holds ADD COLUMN allocation_id uuid;

-- E4: how an order is settled: by card (a PaymentIntent), on a partner's account (deferred: its
-- tickets are issued at once and valid while unpaid) or free of charge.
ALTER TABLE orders.orders ADD COLUMN payment_terms text NOT NULL DEFAULT 'card' CHECK (payment_terms IN ('card', 'deferred', 'free'));

-- E7: a quota is a tree. The root is the contingent the federation gave; each sub-quota is a part of
-- its parent's seats handed to another email. Which node has a seat is inventory's (the unit's
-- allocation), so a seat is in one place only. Price, payment mode and credit limit are the root's.
CREATE SCHEMA IF NOT EXISTS quotas;
CREATE TABLE quotas.quotas (
    id                  uuid PRIMARY KEY,
    match_id            bigint NOT NULL,
    root_id             uuid NOT NULL REFERENCES quotas.quotas (id),
    parent_id           uuid REFERENCES quotas.quotas (id),
    depth               integer NOT NULL CHECK (depth >= 0),
    name                text NOT NULL,
    owner_email         text NOT NULL,
    -- Set when a user signed in with the owner's email first saw it.
    owner_user_id       text,
    price_kind          text NOT NULL CHECK (price_kind IN ('full', 'reduced', 'free')),
    reduced_price_cents integer CHECK (reduced_price_cents > 0),
    payment_mode        text NOT NULL CHECK (payment_mode IN ('card', 'deferred')),
    credit_limit_cents  bigint CHECK (credit_limit_cents >= 0),
    -- What the partner owes for tickets issued on account and not yet paid (the root's row).
    deferred_open_cents bigint NOT NULL DEFAULT 0 CHECK (deferred_open_cents >= 0),
    -- Seats that left this node: given back, lapsed to the parent or to general sale.
    returned_count      integer NOT NULL DEFAULT 0 CHECK (returned_count >= 0),
    claim_deadline      timestamptz NOT NULL,
    delegation_allowed  boolean NOT NULL,
    -- How many levels of sub-quotas below the root may exist.
    max_depth           integer NOT NULL CHECK (max_depth >= 0),
    state               text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'lapsed', 'revoked')),
    created_by          text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    ended_at            timestamptz,
    CHECK ((parent_id IS NULL) = (depth = 0)),
    CHECK ((parent_id IS NULL) = (id = root_id)),
    CHECK ((price_kind = 'reduced') = (reduced_price_cents IS NOT NULL)),
    CHECK ((payment_mode = 'deferred') = (credit_limit_cents IS NOT NULL)),
    CHECK ((state = 'active') = (ended_at IS NULL))
);
CREATE INDEX quotas_match ON quotas.quotas (match_id, created_at);
CREATE INDEX quotas_owner ON quotas.quotas (lower(owner_email));
CREATE INDEX quotas_owner_user ON quotas.quotas (owner_user_id) WHERE owner_user_id IS NOT NULL;
CREATE INDEX quotas_parent ON quotas.quotas (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX quotas_due ON quotas.quotas (claim_deadline) WHERE state = 'active';

-- Every claim: which node, which order, which seats (a seat's order is its latest claim's).
CREATE TABLE quotas.claims (
    id         uuid PRIMARY KEY,
    quota_id   uuid NOT NULL REFERENCES quotas.quotas (id),
    root_id    uuid NOT NULL REFERENCES quotas.quotas (id),
    order_id   uuid NOT NULL UNIQUE,
    unit_ids   bigint[] NOT NULL,
    terms      text NOT NULL CHECK (terms IN ('card', 'deferred', 'free')),
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    claimed_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claims_quota ON quotas.claims (quota_id, created_at);
CREATE INDEX claims_root ON quotas.claims (root_id, created_at);
