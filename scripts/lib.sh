# shellcheck shell=bash
# Helpers shared by the HNS Ticketing scripts. Source it, don't run it:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Everything here uses loopback only and works on a fresh Debian 12 machine
# (installing what is missing). Messages go to stderr, so functions that
# "echo a PID" can be used as PID=$(hns_pg_start ...).

if [[ -n "${HNS_LIB_SOURCED:-}" ]]; then
    return 0
fi
HNS_LIB_SOURCED=1

# Repository root, computed from this file's location (scripts/..).
HNS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

# PostgreSQL 15 server binaries from Debian's postgresql-15 (not on PATH).
HNS_PG_BINDIR="${HNS_PG_BINDIR:-/usr/lib/postgresql/15/bin}"

# Debian packages the scripts need. Keep this the only list.
HNS_APT_PACKAGES="postgresql-15 redis-server curl procps iproute2 zlib1g-dev python3-openpyxl"

hns_log() { printf '[hns] %s\n' "$*" >&2; }
hns_warn() { printf '[hns] warning: %s\n' "$*" >&2; }
hns_die() {
    printf '[hns] error: %s\n' "$*" >&2
    exit 1
}

# Absolute path of $1 (which need not exist yet).
hns_abspath() {
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s\n' "$PWD/$1" ;;
    esac
}

# ---------------------------------------------------------------------------
# Packages

# hns_ensure_packages [EXTRA_PACKAGE...]
# apt-get installs whatever of $HNS_APT_PACKAGES (plus the extra names, e.g.
# nats-server for a benchmark script) is not installed yet. Runs
# `apt-get update` at most once per shell, and only when something is missing.
hns_ensure_packages() {
    local p missing=() want
    # shellcheck disable=SC2206 # word splitting of the list is intended
    want=($HNS_APT_PACKAGES "$@")
    for p in "${want[@]}"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$p")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi
    if [[ $EUID -ne 0 ]]; then
        hns_die "missing Debian packages: ${missing[*]} (run as root, or apt-get install them)"
    fi
    hns_log "installing missing Debian packages: ${missing[*]}"
    # Don't let the packages' maintainer scripts start system-wide PostgreSQL
    # or Redis services: we run our own private servers.
    local policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
    fi
    if [[ -z "${HNS_APT_UPDATED:-}" ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq || rc=$?
        HNS_APT_UPDATED=1
    fi
    if [[ $rc -eq 0 ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -o Dpkg::Options::=--force-confold "${missing[@]}" || rc=$?
    fi
    if [[ $made_policy -eq 1 ]]; then
        rm -f "$policy"
    fi
    [[ $rc -eq 0 ]] || hns_die "apt-get failed ($rc) installing: ${missing[*]}"
}

# Raise the soft open-files limit to the hard limit, at most 20000.
hns_raise_nofile() {
    local hard target=20000
    hard=$(ulimit -Hn)
    if [[ $hard != unlimited && $hard -lt $target ]]; then
        target=$hard
    fi
    if [[ $(ulimit -Sn) != unlimited && $(ulimit -Sn) -lt $target ]]; then
        ulimit -Sn "$target" 2>/dev/null || hns_warn "could not raise ulimit -n to $target"
    fi
}

# ---------------------------------------------------------------------------
# Processes and ports

# True if PID names a live process (a zombie counts as gone; if the zombie is
# our own child it is reaped here).
hns_pid_alive() {
    local pid=${1:-} state
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    state=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
    if [[ $state == Z || $state == X ]]; then
        wait "$pid" 2>/dev/null || true
        return 1
    fi
    return 0
}

# True if PID is alive and its command line contains WORD (guards against a
# PID from a stale pid file that now belongs to some other program).
hns_pid_is() {
    local pid=$1 word=$2
    hns_pid_alive "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$word"
}

# hns_wait_gone TIMEOUT_SECONDS PID... — wait until all PIDs are gone.
hns_wait_gone() {
    local timeout=$1 pid alive
    shift
    local deadline=$((SECONDS + timeout))
    while :; do
        alive=0
        for pid in "$@"; do
            if hns_pid_alive "$pid"; then alive=1; fi
        done
        [[ $alive -eq 0 ]] && return 0
        [[ $SECONDS -ge $deadline ]] && return 1
        sleep 0.2
    done
}

# hns_stop_pids TIMEOUT_SECONDS PID... — SIGTERM, wait, then SIGKILL.
hns_stop_pids() {
    local timeout=$1 pid
    shift
    for pid in "$@"; do
        hns_pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
    done
    if ! hns_wait_gone "$timeout" "$@"; then
        for pid in "$@"; do
            if hns_pid_alive "$pid"; then
                hns_warn "PID $pid did not stop within ${timeout}s; sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null
            fi
        done
        hns_wait_gone 5 "$@" || true
    fi
    return 0
}

# True if something listens on 127.0.0.1/any address at TCP PORT.
hns_port_in_use() {
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# Print a TCP port that nothing listens on (below the ephemeral range).
hns_free_port() {
    local i port
    for i in $(seq 1 200); do
        port=$((20000 + (RANDOM % 12000)))
        if ! hns_port_in_use "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    hns_die "no free TCP port found"
}

# ---------------------------------------------------------------------------
# PostgreSQL (private cluster, run as the postgres OS user)

# Socket folder for a cluster: next to the data folder if the path is short
# enough for a unix socket name, else a fixed folder in /tmp.
hns_pg_sockdir() {
    local base
    base=$(dirname "$1")
    if [[ ${#base} -le 80 ]]; then
        printf '%s\n' "$base/pgsock"
    else
        printf '%s\n' "/tmp/hns-pgsock-$2"
    fi
}

# hns_pg_start DATADIR PORT [EXTRA POSTGRES ARGS...]   (e.g. -c fsync=off)
# initdb once (if DATADIR has no PG_VERSION), start postgres in the background
# on 127.0.0.1:PORT, log to DATADIR/../postgres.log, wait (30 s) until it
# accepts connections and echo the postmaster PID.
hns_pg_start() {
    local datadir port base log sockdir pid launcher i
    datadir=$(hns_abspath "${1:?hns_pg_start DATADIR PORT}")
    port=${2:?hns_pg_start DATADIR PORT}
    shift 2
    base=$(dirname "$datadir")
    log="$base/postgres.log"
    sockdir=$(hns_pg_sockdir "$datadir" "$port")

    [[ -x $HNS_PG_BINDIR/postgres ]] || hns_die "no PostgreSQL 15 server in $HNS_PG_BINDIR (apt-get install postgresql-15)"
    id -u postgres >/dev/null 2>&1 || hns_die "no 'postgres' OS user (it comes with Debian's postgresql-15)"

    mkdir -p "$datadir" "$sockdir"
    chown postgres:postgres "$datadir" "$sockdir"
    chmod 700 "$datadir"
    chmod 755 "$sockdir"
    touch "$log"
    if ! runuser -u postgres -- test -w "$datadir" -a -w "$sockdir"; then
        local dir=$datadir
        while [[ $dir != / ]]; do
            dir=$(dirname "$dir")
            if ! runuser -u postgres -- test -x "$dir"; then
                hns_die "the postgres OS user cannot enter $dir (needed for $datadir): chmod o+x $dir, or move the repository"
            fi
        done
        hns_die "the postgres OS user cannot write $datadir or $sockdir"
    fi

    # Already running on this data folder? Reuse it if it answers on PORT.
    if [[ -f $datadir/postmaster.pid ]]; then
        pid=$(head -n 1 "$datadir/postmaster.pid")
        if hns_pid_is "$pid" postgres; then
            if "$HNS_PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port"; then
                hns_log "PostgreSQL already running on $datadir (PID $pid, port $port)"
                printf '%s\n' "$pid"
                return 0
            fi
            hns_die "PostgreSQL (PID $pid) already runs on $datadir but not on port $port"
        fi
        hns_log "removing stale $datadir/postmaster.pid"
        rm -f "$datadir/postmaster.pid"
    fi

    if [[ ! -f $datadir/PG_VERSION ]]; then
        hns_log "initdb $datadir"
        if ! (cd / && runuser -u postgres -- "$HNS_PG_BINDIR/initdb" -D "$datadir" \
            -U postgres --auth=trust -E UTF8 --locale=C.UTF-8) >>"$log" 2>&1; then
            tail -n 20 "$log" >&2
            hns_die "initdb failed (log: $log)"
        fi
    fi

    if hns_port_in_use "$port"; then
        hns_die "port $port is already in use"
    fi

    # setsid: a Ctrl-C in the terminal must not stop the server behind the
    # back of the caller's cleanup trap.
    (cd / && exec setsid -w runuser -u postgres -- "$HNS_PG_BINDIR/postgres" -D "$datadir" -p "$port" \
        -k "$sockdir" -c listen_addresses=127.0.0.1 "$@") </dev/null >>"$log" 2>&1 &
    launcher=$!

    for ((i = 0; i < 150; i++)); do
        if "$HNS_PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port" && [[ -s $datadir/postmaster.pid ]]; then
            pid=$(head -n 1 "$datadir/postmaster.pid")
            printf '%s\n' "$pid"
            return 0
        fi
        if ! hns_pid_alive "$launcher"; then
            tail -n 20 "$log" >&2
            hns_die "PostgreSQL exited during startup (log: $log)"
        fi
        sleep 0.2
    done
    tail -n 20 "$log" >&2
    if [[ -s $datadir/postmaster.pid ]]; then
        kill -INT "$(head -n 1 "$datadir/postmaster.pid")" 2>/dev/null
    fi
    hns_die "PostgreSQL did not accept connections on port $port within 30 s (log: $log)"
}

# hns_pg_stop DATADIR — fast shutdown (SIGINT) of the postmaster named in
# DATADIR/postmaster.pid, and wait for it to exit.
hns_pg_stop() {
    local datadir pid
    datadir=$(hns_abspath "${1:?hns_pg_stop DATADIR}")
    [[ -f $datadir/postmaster.pid ]] || return 0
    pid=$(head -n 1 "$datadir/postmaster.pid" 2>/dev/null)
    hns_pid_is "$pid" postgres || return 0
    kill -INT "$pid" 2>/dev/null
    if ! hns_wait_gone 60 "$pid"; then
        hns_warn "PostgreSQL (PID $pid) still running after 60 s; immediate shutdown"
        kill -QUIT "$pid" 2>/dev/null
        hns_wait_gone 10 "$pid" || { kill -KILL "$pid" 2>/dev/null; hns_wait_gone 5 "$pid" || true; }
    fi
    return 0
}

# ---------------------------------------------------------------------------
# Redis

# hns_redis_start DIR PORT [EXTRA redis-server ARGS...]
# Start redis-server on 127.0.0.1:PORT with its data (AOF) in DIR, log to
# DIR/../redis.log, wait for PING and echo the PID.
hns_redis_start() {
    local dir port log server pidfile pid launcher i
    dir=$(hns_abspath "${1:?hns_redis_start DIR PORT}")
    port=${2:?hns_redis_start DIR PORT}
    shift 2
    log="$(dirname "$dir")/redis.log"
    pidfile="$dir/redis-server.pid"
    server=$(command -v redis-server) || hns_die "redis-server not found (apt-get install redis-server)"
    command -v redis-cli >/dev/null || hns_die "redis-cli not found (apt-get install redis-tools)"
    mkdir -p "$dir"
    touch "$log"

    if [[ -f $pidfile ]]; then
        pid=$(cat "$pidfile")
        if hns_pid_is "$pid" redis-server; then
            if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; then
                hns_log "Redis already running in $dir (PID $pid, port $port)"
                printf '%s\n' "$pid"
                return 0
            fi
            hns_die "Redis (PID $pid) already runs in $dir but not on port $port"
        fi
        rm -f "$pidfile"
    fi
    if hns_port_in_use "$port"; then
        hns_die "port $port is already in use"
    fi

    (cd "$dir" && exec setsid -w "$server" --bind 127.0.0.1 --port "$port" --dir "$dir" \
        --daemonize no --save '' --appendonly yes --pidfile "$pidfile" "$@") </dev/null >>"$log" 2>&1 &
    launcher=$!

    for ((i = 0; i < 150; i++)); do
        if [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; then
            pid=$launcher
            if [[ -s $pidfile ]]; then pid=$(cat "$pidfile"); fi
            printf '%s\n' "$pid"
            return 0
        fi
        if ! hns_pid_alive "$launcher"; then
            tail -n 20 "$log" >&2
            hns_die "redis-server exited during startup (log: $log)"
        fi
        sleep 0.2
    done
    tail -n 20 "$log" >&2
    kill -TERM "$launcher" 2>/dev/null
    hns_die "Redis did not answer PING on port $port within 30 s (log: $log)"
}

# hns_redis_stop PID — SIGTERM (clean shutdown, AOF fsynced), wait, SIGKILL.
hns_redis_stop() {
    local pid=${1:-}
    hns_pid_alive "$pid" || return 0
    hns_stop_pids 30 "$pid"
}

# ---------------------------------------------------------------------------
# Swift

# hns_swift_build [ARGS...] — debug `swift build` in the repository root.
hns_swift_build() {
    command -v swift >/dev/null || hns_die "swift not found on PATH (toolchain expected in /opt/swift)"
    (cd "$HNS_ROOT" && swift build "$@")
}

# ---------------------------------------------------------------------------
# Development suite (scripts/run, scripts/stop)

# Used by scripts/run and scripts/stop.
HNS_DEV_DATA="$HNS_ROOT/.data"
# shellcheck disable=SC2034
HNS_DEV_PG_PORT=55432
# shellcheck disable=SC2034
HNS_DEV_REDIS_PORT=56379
# Start order (stopped in reverse by hns_dev_stop).
# shellcheck disable=SC2034
# stripe-sim is the development stand-in for Stripe's API (it sends signed webhooks to the router).
HNS_DEV_DAEMONS=(eventbus stripe-router queue ticketing stripe-sim)

hns_dev_port() {
    case "$1" in
        ticketing) echo 8080 ;;
        queue) echo 8081 ;;
        stripe-router) echo 8082 ;;
        eventbus) echo 8083 ;;
        stripe-sim) echo 12111 ;;
        *) hns_die "unknown daemon $1" ;;
    esac
}

hns_rand_hex() {
    od -An -v -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# Create .data/dev.env once (random development secrets, each >= 32 bytes),
# add any variable that is missing, then export its contents.
hns_dev_env() {
    local f="$HNS_DEV_DATA/dev.env" spec name kind value
    mkdir -p "$HNS_DEV_DATA"
    if [[ ! -f $f ]]; then
        (umask 077 && printf '# Development secrets for scripts/run, generated %s. Not for production.\n' "$(date -u +%FT%TZ)" >"$f")
    fi
    set -a
    # shellcheck disable=SC1090
    source "$f"
    set +a
    for spec in \
        HNS_EVENTBUS_ADMIN_TOKEN:token \
        HNS_BUS_TOKEN_STRIPE_ROUTER:token \
        HNS_BUS_TOKEN_TICKETING:token \
        HNS_BUS_TOKEN_STRIPE_DRUPAL:token \
        HNS_BUS_TOKEN_MAILER:token \
        HNS_BUS_TOKEN_BACKEND:token \
        HNS_STRIPE_WEBHOOK_SECRETS:whsec \
        HNS_STRIPE_SECRET_KEY:sk \
        HNS_IDENTITY_HS256_SECRET:key48 \
        HNS_QUEUE_SIGNING_KEY:key48 \
        HNS_QUEUE_SERVICE_TOKEN:token \
        HNS_ERACUNI_SECRET_KEY:token \
        HNS_ERACUNI_TOKEN:token; do
        name=${spec%%:*}
        kind=${spec#*:}
        if [[ -z "${!name:-}" ]]; then
            case $kind in
                token) value=$(hns_rand_hex 32) ;;
                whsec) value="whsec_$(hns_rand_hex 32)" ;;
                sk) value="sk_test_$(hns_rand_hex 24)" ;;
                key48) value=$(hns_rand_hex 24) ;;
            esac
            printf '%s=%s\n' "$name" "$value" >>"$f"
            export "$name=$value"
        elif [[ $(printf '%s' "${!name}" | wc -c) -lt 32 ]]; then
            hns_warn "$name in $f is shorter than 32 bytes"
        fi
    done
    # Not secrets, but `hns-ticketing dev-token` needs them with the key (and scripts/run uses them).
    for spec in HNS_IDENTITY_ISSUER:https://hns.hr/drupal-dev HNS_IDENTITY_AUDIENCE:hns-ticketing; do
        name=${spec%%:*}
        value=${spec#*:}
        if ! grep -q "^$name=" "$f"; then
            printf '%s=%s\n' "$name" "$value" >>"$f"
            export "$name=$value"
        fi
    done
    chmod 600 "$f"
}

# Stop everything scripts/run started, by the PIDs in .data/pids (daemons:
# SIGTERM, up to 10 s, SIGKILL; then Redis; then PostgreSQL).
hns_dev_stop() {
    local piddir="$HNS_DEV_DATA/pids" d f pid front=() stopped=0
    [[ -d $piddir ]] || return 0
    # ticketing, queue and the router first (they publish to the bus), then the bus.
    for d in stripe-sim ticketing queue stripe-router; do
        f="$piddir/$d.pid"
        [[ -f $f ]] || continue
        pid=$(cat "$f")
        if hns_pid_is "$pid" "hns-$d"; then
            hns_log "stopping hns-$d (PID $pid)"
            front+=("$pid")
        fi
    done
    if [[ ${#front[@]} -gt 0 ]]; then
        hns_stop_pids 10 "${front[@]}"
        stopped=1
    fi
    rm -f "$piddir/stripe-sim.pid" "$piddir/ticketing.pid" "$piddir/queue.pid" "$piddir/stripe-router.pid"
    f="$piddir/eventbus.pid"
    if [[ -f $f ]]; then
        pid=$(cat "$f")
        if hns_pid_is "$pid" hns-eventbus; then
            hns_log "stopping hns-eventbus (PID $pid)"
            hns_stop_pids 10 "$pid"
            stopped=1
        fi
        rm -f "$f"
    fi
    f="$piddir/redis.pid"
    if [[ -f $f ]]; then
        pid=$(cat "$f")
        if hns_pid_is "$pid" redis-server; then
            hns_log "stopping Redis (PID $pid)"
            hns_redis_stop "$pid"
            stopped=1
        fi
        rm -f "$f"
    fi
    if hns_pid_is "$(head -n 1 "$HNS_DEV_DATA/postgres/postmaster.pid" 2>/dev/null)" postgres; then
        hns_log "stopping PostgreSQL"
        hns_pg_stop "$HNS_DEV_DATA/postgres"
        stopped=1
    fi
    rm -f "$piddir/postgres.pid"
    [[ $stopped -eq 1 ]] && hns_log "stopped"
    return 0
}

# True if any PID in .data/pids is still a live process of ours.
hns_dev_running() {
    local f pid
    for f in "$HNS_DEV_DATA"/pids/*.pid; do
        [[ -f $f ]] || continue
        pid=$(cat "$f")
        if hns_pid_alive "$pid"; then return 0; fi
    done
    return 1
}
