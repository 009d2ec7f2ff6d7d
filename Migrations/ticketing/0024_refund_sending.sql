-- E8: refunds are sent by every instance at once (a cancellation owes thousands). A sender claims a
-- refund until `send_after`; a sender that crashed leaves it to be claimed again when that passes
-- (sent again with the same idempotency key: Stripe answers the first outcome). After Stripe was
-- unreachable or throttled us, `send_after` is the next attempt's time.
ALTER TABLE payments.refunds ADD COLUMN send_after timestamptz NOT NULL DEFAULT '-infinity';
