-- E12: sales at Petrol stations. A fan names the ticket holders in the app and gets a PIN; a clerk
-- types it at a till, which holds seats for that terminal (20 minutes), Petrol takes the money and
-- the clerk confirms: the order is paid through the channel `petrol` and its tickets issued.
ALTER TABLE orders.orders DROP CONSTRAINT orders_payment_terms_check;
ALTER TABLE orders.orders ADD CONSTRAINT orders_payment_terms_check CHECK (payment_terms IN ('card', 'deferred', 'free', 'petrol'));

CREATE SCHEMA IF NOT EXISTS petrol;
CREATE TABLE petrol.pin_requests (
    id                uuid PRIMARY KEY,
    pin               text NOT NULL,
    user_id           text NOT NULL,
    email             text,
    match_id          bigint NOT NULL,
    sector_code       text NOT NULL,
    -- The ticket holders as the fan named them (validated when the PIN was given).
    attendees         jsonb NOT NULL,
    quantity          integer NOT NULL CHECK (quantity > 0),
    unit_price_cents  bigint NOT NULL,
    amount_cents      bigint NOT NULL,
    currency          text NOT NULL DEFAULT 'eur',
    -- pending: waiting for a till; held: seats held at `terminal` of `station` until `hold_expires_at`
    -- (then pending again); confirmed: sold; cancelled by the fan; expired unused.
    state             text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'held', 'confirmed', 'cancelled', 'expired')),
    expires_at        timestamptz NOT NULL,
    station           text,
    terminal          text,
    clerk_id          text,
    hold_id           uuid,
    order_id          uuid,
    hold_expires_at   timestamptz,
    -- A till taking the PIN (between its claim and its hold, a few seconds): no other till may.
    claimed_until     timestamptz,
    payment_reference text,
    commission_cents  bigint,
    confirmed_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (state <> 'held' OR (hold_id IS NOT NULL AND order_id IS NOT NULL AND terminal IS NOT NULL)),
    CHECK (state <> 'confirmed' OR (order_id IS NOT NULL AND payment_reference IS NOT NULL AND confirmed_at IS NOT NULL))
);
-- A PIN names one live request; a fan has one live request per match.
CREATE UNIQUE INDEX pin_requests_live_pin ON petrol.pin_requests (pin) WHERE state IN ('pending', 'held');
CREATE UNIQUE INDEX pin_requests_live_user ON petrol.pin_requests (user_id, match_id) WHERE state IN ('pending', 'held');
CREATE INDEX pin_requests_confirmed ON petrol.pin_requests (confirmed_at, station) WHERE state = 'confirmed';

-- A Petrol sale's invoice names the till as how it was paid (not a card through Stripe).
ALTER TABLE invoicing.documents ADD COLUMN payment_channel text;
