-- Fewer index updates on the purchase path: the trail is read by its main subject (and shipped by
-- id); a report by domain and time is the log store's query, not this table's. A PaymentIntent is
-- looked up by its id.
DROP INDEX audit.entries_domain_at;
DROP INDEX payments.payment_intents_order;
