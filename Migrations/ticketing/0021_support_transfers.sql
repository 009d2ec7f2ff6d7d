-- E10 Customer Support: a ticket given to another holder by a support agent. The ticket keeps its
-- seat and order; it gets the new holder's name and a new barcode, and the one-ticket-per-person
-- rule now counts the new holder (the order's attendee changes; who held it before is kept).
CREATE SCHEMA IF NOT EXISTS support;

-- Every transfer, in order: the ticket's history of holders (the ticket row holds the current one).
CREATE TABLE support.transfers (
    id               uuid PRIMARY KEY,
    ticket_id        uuid NOT NULL,
    order_id         uuid NOT NULL,
    match_id         bigint NOT NULL,
    from_holder_name text NOT NULL,
    from_user_id     text,
    from_email       text,
    to_holder_name   text NOT NULL,
    to_email         text,
    reason           text NOT NULL,
    agent            text NOT NULL,
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transfers_ticket ON support.transfers (ticket_id, at);

-- E9: barcodes that are no longer valid, with why; a revoked code is never valid again.
CREATE TABLE tickets.revoked_barcodes (
    barcode    text PRIMARY KEY,
    ticket_id  uuid NOT NULL REFERENCES tickets.tickets (id),
    match_id   bigint NOT NULL,
    reason     text NOT NULL CHECK (reason IN ('transferred', 'refunded', 'partner_unpaid', 'match_cancelled', 'blocked_by_support')),
    revoked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revoked_barcodes_match ON tickets.revoked_barcodes (match_id, revoked_at);

-- E4: an attendee replaced by a transfer, as they were (the attendee row holds the current holder).
CREATE TABLE orders.attendee_changes (
    order_id         uuid NOT NULL,
    position         integer NOT NULL,
    transfer_id      uuid NOT NULL UNIQUE,
    first_name       text NOT NULL,
    last_name        text NOT NULL,
    date_of_birth    date NOT NULL,
    oib              char(11),
    passport_number  text,
    passport_country char(2),
    nationality      char(2) NOT NULL,
    person_key       text NOT NULL,
    replaced_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (order_id, position) REFERENCES orders.attendees (order_id, position)
);
