-- A refund gives back what Stripe says it received, which our prices do not bound: an amount past
-- 2^31 cents must be recorded (and refunded), not fail the event's transaction forever.
ALTER TABLE payments.refunds ALTER COLUMN amount_cents TYPE bigint;
