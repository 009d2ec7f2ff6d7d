-- E4 orders, E8 payments, E9 tickets and the outbox. An order sells the seats of one hold; its
-- payment and tickets are written in the transaction that marks it paid, so there is never a
-- ticket without a captured payment, and a captured payment without an open order is refunded.
CREATE TABLE orders.orders (
    id                uuid PRIMARY KEY,
    match_id          bigint NOT NULL REFERENCES matches.matches (id),
    buyer_id          text NOT NULL,
    buyer_email       text,
    hold_id           uuid NOT NULL UNIQUE REFERENCES inventory.holds (id),
    state             text NOT NULL CHECK (state IN ('created', 'seats_held', 'awaiting_payment', 'paid', 'tickets_issued',
                                                     'expired', 'cancelled', 'payment_failed')),
    unit_price_cents  integer NOT NULL CHECK (unit_price_cents >= 0),
    amount_cents      integer NOT NULL CHECK (amount_cents >= 0),
    currency          text NOT NULL DEFAULT 'eur',
    -- The queue window this order was made in (purchase token `jti`, `exp`), when the match had a queue.
    window_id         text,
    window_ends_at    timestamptz,
    payment_intent_id text UNIQUE,
    payment_started_at timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_buyer ON orders.orders (buyer_id, created_at DESC);
CREATE INDEX orders_awaiting ON orders.orders (match_id, buyer_id) WHERE state IN ('created', 'seats_held', 'awaiting_payment');

CREATE TABLE orders.state_changes (
    id         bigserial PRIMARY KEY,
    order_id   uuid NOT NULL REFERENCES orders.orders (id),
    from_state text,
    to_state   text NOT NULL,
    reason     text NOT NULL,
    actor      text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX state_changes_order ON orders.state_changes (order_id, id);

-- One ticket holder per seat of the order.
CREATE TABLE orders.attendees (
    order_id         uuid NOT NULL REFERENCES orders.orders (id),
    position         integer NOT NULL,
    unit_id          bigint NOT NULL,
    first_name       text NOT NULL,
    last_name        text NOT NULL,
    date_of_birth    date NOT NULL,
    oib              char(11),
    passport_number  text,
    passport_country char(2),
    nationality      char(2) NOT NULL,
    -- Deliver this ticket to someone else's wallet (they sign in with this email).
    deliver_to_email text,
    -- OIB, else passport country + number: one person, one ticket per match.
    person_key       text NOT NULL,
    match_id         bigint NOT NULL,
    PRIMARY KEY (order_id, position),
    UNIQUE (order_id, unit_id),
    UNIQUE (order_id, person_key)
);
CREATE INDEX attendees_person ON orders.attendees (match_id, person_key);

-- Idempotency-Key: the first answer to a creating or paying POST, replayed to every retry.
CREATE TABLE orders.idempotency_keys (
    buyer_id     text NOT NULL,
    key          text NOT NULL,
    route        text NOT NULL,
    request_hash text NOT NULL,
    status       integer,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (buyer_id, key)
);

-- Purchase windows granted by the queue (from hns:events:queue).
CREATE TABLE orders.purchase_windows (
    window_id  text PRIMARY KEY,
    match_id   bigint NOT NULL,
    user_id    text NOT NULL,
    ends_at    timestamptz NOT NULL,
    state      text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'expired', 'released')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every Stripe event handled, by its id: a redelivered event is recognised and ignored.
CREATE TABLE payments.stripe_events (
    event_id          text PRIMARY KEY,
    type              text NOT NULL,
    payment_intent_id text,
    order_id          uuid,
    outcome           text NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now()
);

-- Refunds we owe (a payment that came after its seats were gone, or did not match its order);
-- a worker asks Stripe for each with the row id as Stripe's idempotency key.
CREATE TABLE payments.refunds (
    id                uuid PRIMARY KEY,
    order_id          uuid REFERENCES orders.orders (id),
    payment_intent_id text NOT NULL,
    amount_cents      integer NOT NULL CHECK (amount_cents > 0),
    reason            text NOT NULL,
    state             text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
    stripe_refund_id  text,
    attempts          integer NOT NULL DEFAULT 0,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (payment_intent_id)
);
CREATE INDEX refunds_pending ON payments.refunds (created_at) WHERE state = 'pending';

CREATE TABLE tickets.tickets (
    id               uuid PRIMARY KEY,
    order_id         uuid NOT NULL REFERENCES orders.orders (id),
    match_id         bigint NOT NULL,
    unit_id          bigint NOT NULL,
    position         integer NOT NULL,
    -- The QR content: 160 random bits, also what access control exports.
    barcode          text NOT NULL UNIQUE,
    status           text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'activated', 'used', 'void')),
    holder_name      text NOT NULL,
    sector_code      text NOT NULL,
    row_label        text,
    seat_label       text,
    -- Whose wallet shows it: the buyer, or whoever signs in with deliver_to_email (claimed on first read).
    holder_user_id   text,
    deliver_to_email text,
    issued_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (holder_user_id IS NOT NULL OR deliver_to_email IS NOT NULL),
    UNIQUE (order_id, position)
);
-- A seat is on one valid ticket at most.
CREATE UNIQUE INDEX tickets_seat ON tickets.tickets (match_id, unit_id) WHERE status <> 'void';
CREATE INDEX tickets_holder ON tickets.tickets (holder_user_id);
CREATE INDEX tickets_email ON tickets.tickets (lower(deliver_to_email)) WHERE holder_user_id IS NULL;

-- Domain events written in the transaction that caused them, relayed to the bus (and the
-- notification jobs stream) afterwards: an event is never lost, nor published for a rolled-back change.
CREATE TABLE outbox.messages (
    id           bigserial PRIMARY KEY,
    subject      text NOT NULL,
    msg_id       text NOT NULL UNIQUE,
    payload      jsonb NOT NULL,
    -- Also queue a job on hns:jobs:notifications (order.completed, ticket.generated).
    job          boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Committed to the bus (NULL: not yet) and, for jobs, added to hns:jobs:notifications.
    published_at timestamptz,
    job_queued_at timestamptz,
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text
);
CREATE INDEX outbox_pending ON outbox.messages (id) WHERE published_at IS NULL;
CREATE INDEX outbox_jobs_pending ON outbox.messages (id) WHERE job AND job_queued_at IS NULL;

-- A hold whose payment is under way: the buyer can no longer release it, and its expiry was
-- pushed back by the payment grace period so that a fan who paid never loses the seat.
ALTER TABLE inventory.holds ADD COLUMN payment_started_at timestamptz;

-- E11: people who may not buy tickets, matched by OIB, by passport, or by name and date of birth.
CREATE TABLE security.blacklist (
    id               bigserial PRIMARY KEY,
    oib              char(11),
    passport_country char(2),
    passport_number  text,
    first_name       text,
    last_name        text,
    date_of_birth    date,
    reason           text NOT NULL,
    added_by         text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (oib IS NOT NULL OR (passport_country IS NOT NULL AND passport_number IS NOT NULL)
           OR (first_name IS NOT NULL AND last_name IS NOT NULL AND date_of_birth IS NOT NULL)),
    CHECK ((passport_country IS NULL) = (passport_number IS NULL))
);
CREATE INDEX blacklist_oib ON security.blacklist (oib) WHERE oib IS NOT NULL;
CREATE INDEX blacklist_passport ON security.blacklist (passport_country, passport_number) WHERE passport_number IS NOT NULL;
CREATE INDEX blacklist_name ON security.blacklist (lower(last_name), lower(first_name), date_of_birth) WHERE date_of_birth IS NOT NULL;

-- Every refusal for staff: who tried, for which match, which entry matched and how.
CREATE TABLE security.blacklist_hits (
    id           bigserial PRIMARY KEY,
    blacklist_id bigint NOT NULL REFERENCES security.blacklist (id),
    match_id     bigint NOT NULL,
    buyer_id     text NOT NULL,
    matched_by   text NOT NULL CHECK (matched_by IN ('oib', 'passport', 'name_and_birth_date')),
    attendee     jsonb NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blacklist_hits_at ON security.blacklist_hits (at DESC);
