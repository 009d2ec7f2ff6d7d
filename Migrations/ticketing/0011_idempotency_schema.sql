-- Idempotency-Key answers serve holds, orders and payments alike: they leave the orders schema
-- for one of their own.
CREATE SCHEMA IF NOT EXISTS idempotency;
ALTER TABLE orders.idempotency_keys SET SCHEMA idempotency;
ALTER TABLE idempotency.idempotency_keys RENAME TO answers;
