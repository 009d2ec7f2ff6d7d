-- Long polls wake through Redis Pub/Sub now (hns:orders:settled, published after the commit by whoever
-- settled the order), not through this trigger's NOTIFY: PostgreSQL serialises the commits of
-- transactions that NOTIFY (one cluster-wide lock, held until the commit is flushed), and every sale
-- would have taken it.
DROP TRIGGER orders_settled ON orders.orders;
DROP FUNCTION orders.notify_settled();
