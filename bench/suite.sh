# shellcheck shell=bash
# The whole suite for scripts/bench-purchase and scripts/bench-quota, sourced after bench_begin: a
# private durable PostgreSQL, an in-memory Redis, the release daemons (hns-eventbus with
# stream-config/, hns-stripe-router, hns-queue, hns-ticketing, hns-stripe-sim confirming every
# PaymentIntent by itself and standing in for e-računi) on free loopback ports, wired as
# Tests/DaemonTests/PurchaseSystemTests.swift does; each daemon's PID in PID_OF, its log in the
# temporary folder. Leaves BASE (hns-ticketing's URL) and the helpers sql, now, field, new_match.
bench_ports PG_PORT REDIS_PORT BUS_PORT ROUTER_PORT QUEUE_PORT API_PORT SIM_PORT NOBODY_PORT
hns_log "temporary folder $BENCH_TMP"
DISK=$(bench_disk_fsync)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

bench_start_pg

# Redis: in memory only (no RDB, no AOF), loopback.
mkdir -p "$BENCH_TMP/redis"
bench_spawn "$BENCH_TMP/redis.log" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$BENCH_TMP/redis" \
    --save '' --appendonly no --daemonize no
REDIS_PID=$BENCH_LAST_PID
for ((i = 0; i < 150; i++)); do
    [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]] && break
    hns_pid_alive "$REDIS_PID" || hns_die "redis-server exited during startup"
    sleep 0.2
done

# One environment for every daemon, as PurchaseSystemTests has it (each reads its own variables);
# random secrets per run. The bus's mail and Drupal subscriptions point at a port nobody listens on:
# there is no mailer or webshop here, so those messages wait in the bus (retried with backoff).
export HNS_BIND=127.0.0.1 HNS_LOG_LEVEL=warning
# Every buyer comes from 127.0.0.1 here: the per-address purchase limit is raised out of the way
# (still counted, as in production); the per-user one stays at its default (each buyer is new).
export HNS_PURCHASE_RATE_PER_ADDRESS=100000000/1m
if [[ ${BENCH_PURCHASE_LIMITS:-on} == off ]]; then export HNS_PURCHASE_RATE_PER_USER=off HNS_PURCHASE_RATE_PER_ADDRESS=off; fi
# PostgreSQL through its unix socket (host=): the daemons run on the database's machine here, as the
# monolith and its database would on one host. BENCH_PG_TCP=1 connects over loopback TCP instead.
if [[ ${BENCH_PG_TCP:-0} == 1 ]]; then
    export HNS_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/hns"
else
    export HNS_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/hns?host=$(hns_pg_sockdir "$BENCH_PG_DATA" "$PG_PORT")"
fi
export HNS_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export HNS_IDENTITY_ISSUER="https://bench.invalid" HNS_IDENTITY_AUDIENCE="hns-ticketing"
export HNS_IDENTITY_HS256_SECRET HNS_QUEUE_SIGNING_KEY HNS_QUEUE_SERVICE_TOKEN
HNS_IDENTITY_HS256_SECRET=$(hns_rand_hex 32)
HNS_QUEUE_SIGNING_KEY=$(hns_rand_hex 32)
HNS_QUEUE_SERVICE_TOKEN=$(hns_rand_hex 16)
export HNS_BUS_TOKEN_STRIPE_ROUTER HNS_BUS_TOKEN_TICKETING HNS_BUS_TOKEN_STRIPE_DRUPAL HNS_BUS_TOKEN_MAILER HNS_BUS_TOKEN_BACKEND
HNS_BUS_TOKEN_STRIPE_ROUTER=$(hns_rand_hex 24)
HNS_BUS_TOKEN_TICKETING=$(hns_rand_hex 24)
HNS_BUS_TOKEN_STRIPE_DRUPAL=$(hns_rand_hex 24)
HNS_BUS_TOKEN_MAILER=$(hns_rand_hex 24)
HNS_BUS_TOKEN_BACKEND=$(hns_rand_hex 24)
STRIPE_KEY="sk_test_$(hns_rand_hex 16)"
WEBHOOK_SECRET="whsec_$(hns_rand_hex 24)"
export HNS_TICKETING_PORT=$API_PORT HNS_QUEUE_PORT=$QUEUE_PORT HNS_STRIPE_ROUTER_PORT=$ROUTER_PORT
export HNS_EVENTBUS_PORT=$BUS_PORT HNS_STRIPE_SIM_PORT=$SIM_PORT
# Five processes of ours, PostgreSQL and Redis on the machine's cores: one event-loop thread each.
export HNS_EVENT_LOOP_THREADS=$LOOPS
export HNS_EVENTBUS_CONFIG="$HNS_ROOT/stream-config" HNS_EVENTBUS_URL="http://127.0.0.1:$BUS_PORT"
export HNS_BACKEND_STRIPE_URL="http://127.0.0.1:$API_PORT/webhooks/stripe"
export HNS_BACKEND_EVENTS_URL="http://127.0.0.1:$API_PORT/api/v1/webhooks/nats"
export HNS_DRUPAL_WEBHOOK_URL="http://127.0.0.1:$NOBODY_PORT/stripe-webhook" HNS_MAILER_URL="http://127.0.0.1:$NOBODY_PORT/mail-template"
export HNS_STRIPE_WEBHOOK_SECRETS=$WEBHOOK_SECRET HNS_STRIPE_ROUTES="$HNS_ROOT/deploy/stripe-routes.yaml"
export HNS_STRIPE_API_BASE="http://127.0.0.1:$SIM_PORT" HNS_STRIPE_SECRET_KEY=$STRIPE_KEY
export HNS_STRIPE_SIM_API_KEY=$STRIPE_KEY HNS_STRIPE_SIM_WEBHOOK_URL="http://127.0.0.1:$ROUTER_PORT/webhook/stripe"
export HNS_STRIPE_SIM_WEBHOOK_SECRET=$WEBHOOK_SECRET HNS_STRIPE_SIM_AUTO_CONFIRM=succeeded
# Accounting: invoices and credit notes go to the simulator's e-računi at e-računi's own limit
# (4 requests per 4 s), so after the sell-out nearly all of them are still queued (pending).
export HNS_ERACUNI_URL="http://127.0.0.1:$SIM_PORT/WebServicesHR/API" HNS_ERACUNI_USERNAME=HNS-BENCH \
    HNS_ERACUNI_SECRET_KEY=$(hns_rand_hex 16) HNS_ERACUNI_TOKEN=$(hns_rand_hex 16)
export HNS_ERACUNI_SIM_USERNAME=$HNS_ERACUNI_USERNAME HNS_ERACUNI_SIM_SECRET_KEY=$HNS_ERACUNI_SECRET_KEY \
    HNS_ERACUNI_SIM_TOKEN=$HNS_ERACUNI_TOKEN
# The cancellation: refunds sent as fast as the simulator answers (the rate-limited run restarts
# hns-ticketing with HNS_STRIPE_REFUND_RATE set), batches and senders looking for work often.
export HNS_STRIPE_REFUND_RATE=off HNS_STRIPE_REFUND_CONCURRENCY=${BENCH_REFUND_CONC:-32} HNS_CANCELLATION_INTERVAL=200ms \
    HNS_REFUND_SEND_INTERVAL=200ms
unset HNS_EVENTBUS_TOKEN HNS_EVENTBUS_DATABASE_URL HNS_IDENTITY_JWKS_URL HNS_IDENTITY_PUBLIC_KEY HNS_STRIPE_SIM_AUTO_CONFIRM_DELAY

"$BENCH_BIN/hns-eventbus" migrate --migrations "$HNS_ROOT/Migrations" >>"$BENCH_TMP/eventbus.log" 2>&1 ||
    hns_die "hns-eventbus migrate failed"
"$BENCH_BIN/hns-ticketing" migrate --migrations "$HNS_ROOT/Migrations" >>"$BENCH_TMP/ticketing.log" 2>&1 ||
    hns_die "hns-ticketing migrate failed"

# start NAME PORT [VAR=VALUE...] — hns-NAME serve with its own extra variables, then wait for /readyz.
declare -A PID_OF
start() {
    local name=$1 port=$2
    shift 2
    bench_spawn "$BENCH_TMP/$name.log" env "$@" "$BENCH_BIN/hns-$name" serve
    PID_OF[$name]=$BENCH_LAST_PID
    bench_wait_http "http://127.0.0.1:$port/readyz" "$BENCH_LAST_PID" "hns-$name"
}
start eventbus "$BUS_PORT" HNS_EVENTBUS_ADMIN_TOKEN="$BENCH_ADMIN_TOKEN"
start stripe-router "$ROUTER_PORT" HNS_EVENTBUS_TOKEN="$HNS_BUS_TOKEN_STRIPE_ROUTER"
start queue "$QUEUE_PORT"
start ticketing "$API_PORT" HNS_EVENTBUS_TOKEN="$HNS_BUS_TOKEN_TICKETING"
start stripe-sim "$SIM_PORT"
BASE="http://127.0.0.1:$API_PORT"

INVLG=("$BENCH_PY" "$BENCH_DIR/inventory/loadgen.py")
sql() { "${PSQL[@]}" -d hns -c "$1"; }
now() { date +%s.%N; }
field() { "$BENCH_PY" -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2], {}, d))' "$1" "$2"; }
new_match() { "${INVLG[@]}" match --url "$BASE" --stadium "$STADIUM" --sectors "$NSEC"; }
