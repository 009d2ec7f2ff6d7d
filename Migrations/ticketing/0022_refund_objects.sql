-- E8/E10: a refund is an object with its own life — created (owed, not yet sent) → pending (Stripe
-- accepted it) → succeeded | failed | canceled — and a source: automatic (a payment we cannot keep),
-- support (an agent refunding tickets), match_cancellation. An order may have several (partial
-- refunds); an automatic one is owed once per PaymentIntent.
ALTER TABLE payments.refunds DROP CONSTRAINT refunds_payment_intent_id_key;
ALTER TABLE payments.refunds DROP CONSTRAINT refunds_state_check;
UPDATE payments.refunds SET state = 'created' WHERE state = 'pending';
ALTER TABLE payments.refunds
    ALTER COLUMN state SET DEFAULT 'created',
    ADD CONSTRAINT refunds_state_check CHECK (state IN ('created', 'pending', 'succeeded', 'failed', 'canceled')),
    ADD COLUMN source text NOT NULL DEFAULT 'automatic' CHECK (source IN ('automatic', 'support', 'match_cancellation')),
    ADD COLUMN ticket_ids uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN fee_cents bigint NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
    ADD COLUMN requested_by text,
    ADD COLUMN failure_reason text,
    -- Support's retries of a failed refund: each is a new request to Stripe (its own idempotency key).
    ADD COLUMN retries integer NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX refunds_automatic ON payments.refunds (payment_intent_id) WHERE source = 'automatic';
CREATE UNIQUE INDEX refunds_stripe_id ON payments.refunds (stripe_refund_id) WHERE stripe_refund_id IS NOT NULL;
CREATE INDEX refunds_order ON payments.refunds (order_id) WHERE order_id IS NOT NULL;
DROP INDEX payments.refunds_pending;
CREATE INDEX refunds_to_send ON payments.refunds (created_at) WHERE state = 'created';

-- E4: an order whose tickets were refunded, in part or whole; a refunded attendee no longer counts
-- for the one-ticket-per-person rule.
ALTER TABLE orders.orders DROP CONSTRAINT orders_state_check;
ALTER TABLE orders.orders ADD CONSTRAINT orders_state_check CHECK (state IN ('created', 'seats_held', 'awaiting_payment', 'paid',
    'tickets_issued', 'partially_refunded', 'refunded', 'expired', 'cancelled', 'payment_failed'));
ALTER TABLE orders.attendees ADD COLUMN refunded_at timestamptz;
