-- An Idempotency-Key row is now written with its answer, by the transaction of the request it
-- belongs to, so it always has one. Rows an earlier version left without an answer (a crash between
-- its two writes) would otherwise refuse every retry with their key: they go, and the retry runs.
DELETE FROM orders.idempotency_keys WHERE status IS NULL;
UPDATE orders.idempotency_keys SET body = ''::bytea WHERE body IS NULL;
ALTER TABLE orders.idempotency_keys ALTER COLUMN status SET NOT NULL, ALTER COLUMN body SET NOT NULL;
