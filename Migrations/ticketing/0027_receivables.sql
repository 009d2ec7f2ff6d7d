-- E8: what partners owe for quota orders issued on their account (deferred). Each such order is
-- offered for payment in e-računi (a pro-forma, `payment_offer`, sent through the same paced queue
-- as invoices); accounting turns the offer into an invoice when the partner pays, and that invoice
-- is pulled back here (`offer_id` names the offer it came from) with the payments recorded on it.
ALTER TABLE invoicing.documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE invoicing.documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('invoice', 'credit_note', 'payment_offer'));
ALTER TABLE invoicing.documents ADD COLUMN offer_id bigint REFERENCES invoicing.documents (id);
CREATE UNIQUE INDEX documents_offer ON invoicing.documents (order_id) WHERE kind = 'payment_offer';

-- One row per deferred order: open until paid in full, or until its tickets are blocked (unpaid at
-- the configured time before kick-off) or its match is cancelled.
CREATE TABLE invoicing.receivables (
    order_id         uuid PRIMARY KEY,
    match_id         bigint NOT NULL,
    buyer_id         text NOT NULL,
    buyer_email      text,
    amount_cents     bigint NOT NULL CHECK (amount_cents >= 0),
    currency         text NOT NULL,
    -- The offer's due date (Zagreb's calendar): overdue from the day after.
    due_date         date NOT NULL,
    state            text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'paid', 'blocked', 'cancelled')),
    -- What e-računi records as paid on the order's invoice (a payment after the block is kept too).
    paid_cents       bigint NOT NULL DEFAULT 0,
    paid_at          timestamptz,
    closed_at        timestamptz,
    reminders        integer NOT NULL DEFAULT 0,
    last_reminded_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'open') = (closed_at IS NULL))
);
CREATE INDEX receivables_open ON invoicing.receivables (match_id, due_date) WHERE state = 'open';
CREATE INDEX receivables_match ON invoicing.receivables (match_id, created_at);

-- Deferred orders from before collection: owed an offer too.
UPDATE outbox.messages SET invoice = true WHERE subject = 'order.completed' AND payload ->> 'payment_terms' = 'deferred';
