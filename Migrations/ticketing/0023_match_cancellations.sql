-- E10: a match's cancellation. Its tickets are void at once; then every paid order is refunded in
-- batches by whichever instance takes the next batch (each order in the transaction that marks it
-- refunded, so a crash or restart at any point resumes without refunding anyone twice).
CREATE TABLE support.match_cancellations (
    match_id        bigint PRIMARY KEY,
    reason          text NOT NULL,
    requested_by    text NOT NULL,
    state           text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done')),
    tickets_voided  integer NOT NULL DEFAULT 0,
    orders_refunded integer NOT NULL DEFAULT 0,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

-- E8: the match a refund belongs to (support's and a cancellation's), for progress and reports.
ALTER TABLE payments.refunds ADD COLUMN match_id bigint;
CREATE INDEX refunds_match ON payments.refunds (match_id, source, state) WHERE match_id IS NOT NULL;

-- E4: the paid orders of a match, in id order, for a cancellation's batches.
CREATE INDEX orders_refundable ON orders.orders (match_id, id) WHERE state IN ('tickets_issued', 'partially_refunded');
