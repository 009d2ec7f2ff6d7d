-- Long polls of GET /orders/{id}?wait=N: a request waiting for its order's payment outcome wakes on
-- this notification (payload: the order's id) instead of re-reading the order. Sent when an order
-- leaves its open states (one per purchase: the sale's UPDATE, or a failure, expiry or cancel);
-- PostgreSQL delivers it on commit, to every instance's listening connection.
CREATE FUNCTION orders.notify_settled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('orders_settled', NEW.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER orders_settled AFTER UPDATE OF state ON orders.orders FOR EACH ROW
    WHEN (OLD.state IN ('created', 'seats_held', 'awaiting_payment')
          AND NEW.state NOT IN ('created', 'seats_held', 'awaiting_payment'))
    EXECUTE FUNCTION orders.notify_settled();
