-- E8: invoices and credit notes, made in e-računi (accounting and fiscalization). Every paid order
-- gets an invoice and every succeeded refund of an order a credit note (a storno, negative amounts),
-- queued from the outbox in order and sent one at a time at the API's pace (4 requests per 4 s per
-- user), so a sell-out leaves a queue hours long: each row is what we owe e-računi, then what it
-- issued. A row is copied from the sale or refund when it is queued: the document says what was
-- sold, whatever happens to the order later.
CREATE SCHEMA IF NOT EXISTS invoicing;
CREATE TABLE invoicing.documents (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    -- Ours, written on the document: how a create whose answer was lost is found again.
    reference        text NOT NULL UNIQUE,
    order_id         uuid NOT NULL,
    refund_id        uuid UNIQUE,
    -- The invoice a credit note reverses.
    reverses_id      bigint REFERENCES invoicing.documents (id),
    match_id         bigint NOT NULL,
    buyer_id         text NOT NULL,
    buyer_email      text,
    description      text NOT NULL,
    -- The tickets: quantity × unit price (a negative quantity on a credit note), and on a credit
    -- note the cancellation fee kept (a line of its own); amount = the two, the document's total.
    quantity         integer NOT NULL,
    unit_price_cents bigint NOT NULL,
    fee_cents        bigint NOT NULL DEFAULT 0,
    amount_cents     bigint NOT NULL,
    currency         text NOT NULL,
    -- When the money moved (the payment, or the refund's success): the document's date of supply.
    occurred_at      timestamptz NOT NULL,
    state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'issued', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT '-infinity',
    -- A create went out and its answer may be lost: look for the reference before creating again.
    create_sent_at   timestamptz,
    last_error       text,
    document_id      text UNIQUE,
    number           text,
    document_date    date,
    jir              text,
    zki              text,
    queued_at        timestamptz NOT NULL DEFAULT now(),
    issued_at        timestamptz,
    CHECK ((kind = 'credit_note') = (refund_id IS NOT NULL)),
    CHECK (state <> 'issued' OR document_id IS NOT NULL)
);
CREATE UNIQUE INDEX documents_invoice ON invoicing.documents (order_id) WHERE kind = 'invoice';
CREATE INDEX documents_queued ON invoicing.documents (id) WHERE state = 'queued';
CREATE INDEX documents_order ON invoicing.documents (order_id);

-- One instance sends at a time (documents go out in order, at the account's pace): the holder of
-- this lease, renewed with every document.
CREATE TABLE invoicing.sender (
    only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    owner        text,
    leased_until timestamptz
);
INSERT INTO invoicing.sender DEFAULT VALUES;

-- The invoice PDFs buyers downloaded, fetched from e-računi once.
CREATE TABLE invoicing.pdfs (
    document_id bigint PRIMARY KEY REFERENCES invoicing.documents (id),
    pdf         bytea NOT NULL,
    fetched_at  timestamptz NOT NULL DEFAULT now()
);

-- The outbox carries what must become a document (`invoice`) to the invoicing queue, in order, as
-- it carries events to the bus: a relay target of its own.
ALTER TABLE outbox.messages ADD COLUMN invoice boolean NOT NULL DEFAULT false, ADD COLUMN invoice_queued_at timestamptz;
CREATE INDEX outbox_invoices_pending ON outbox.messages (id) WHERE invoice AND invoice_queued_at IS NULL;
ALTER TABLE outbox.relays DROP CONSTRAINT relays_target_check;
ALTER TABLE outbox.relays ADD CONSTRAINT relays_target_check CHECK (target IN ('bus', 'jobs', 'invoices'));
INSERT INTO outbox.relays (target) VALUES ('invoices');
-- Sales and support or cancellation refunds from before invoicing: they are owed documents too.
UPDATE outbox.messages SET invoice = true WHERE subject = 'order.completed';
UPDATE outbox.messages m SET invoice = true
FROM payments.refunds r
WHERE m.subject = 'payment.refunded' AND m.msg_id = 'payment.refunded:' || r.id::text AND r.source <> 'automatic' AND r.order_id IS NOT NULL;
