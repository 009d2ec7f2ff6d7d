-- E8: every PaymentIntent we created, with the order it pays and where it stands at Stripe as far
-- as we know (from its webhook events, or the reconciler asking).
CREATE TABLE payments.payment_intents (
    id           text PRIMARY KEY,
    order_id     uuid NOT NULL REFERENCES orders.orders (id),
    amount_cents integer NOT NULL CHECK (amount_cents >= 0),
    currency     text NOT NULL,
    status       text NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'succeeded', 'failed', 'canceled')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_intents_order ON payments.payment_intents (order_id);

INSERT INTO payments.payment_intents (id, order_id, amount_cents, currency, status, created_at, updated_at)
SELECT payment_intent_id, id, amount_cents, currency,
       CASE WHEN state IN ('paid', 'tickets_issued') THEN 'succeeded' WHEN state = 'payment_failed' THEN 'failed'
            WHEN state IN ('cancelled', 'expired') THEN 'canceled' ELSE 'created' END,
       coalesce(payment_started_at, created_at), updated_at
FROM orders.orders WHERE payment_intent_id IS NOT NULL;
