# shellcheck shell=bash
# Shared by scripts/bench-eventbus and scripts/bench-router; source it after scripts/lib.sh.
# Everything runs on 127.0.0.1 in a temporary folder; every process started here is recorded
# in BENCH_PIDS and stopped by PID (then PostgreSQL) by the EXIT trap, whatever happens.

BENCH_DIR="$HNS_ROOT/bench"
BENCH_VENV="$HNS_ROOT/.data/bench-venv"
BENCH_BIN="${BENCH_BIN:-$HNS_ROOT/.build-release/release}"  # override only to smoke-test other binaries
BENCH_PIDS=()
BENCH_PG_DATA=""
BENCH_TMP=""
BENCH_KEEP=0
BENCH_BUILD=1
BENCH_LAST_PID=""
BENCH_PY="$BENCH_VENV/bin/python"

# bench_parse_args USAGE_FUNCTION "$@" — the options both scripts take.
bench_parse_args() {
    local usage=$1 arg
    shift
    for arg in "$@"; do
        case $arg in
            --no-build) BENCH_BUILD=0 ;;
            --keep) BENCH_KEEP=1 ;;
            -h | --help) "$usage"; exit 0 ;;
            *) "$usage" >&2; hns_die "unknown argument: $arg" ;;
        esac
    done
}

# bench_build PRODUCT... — release build into .build-release when a binary is missing or older
# than Sources/ or Package.swift (skipped with --no-build; a missing binary is then an error).
bench_build() {
    local p bin stale
    for p in "$@"; do
        bin=$BENCH_BIN/$p
        stale=""
        if [[ -x $bin ]]; then
            stale=$(find "$HNS_ROOT/Sources" "$HNS_ROOT/Package.swift" -newer "$bin" -print -quit)
        fi
        if [[ -x $bin && -z $stale ]]; then
            continue
        fi
        if [[ $BENCH_BUILD -eq 0 ]]; then
            [[ -x $bin ]] || hns_die "$bin not found; run without --no-build"
            hns_warn "$p is older than $stale; benchmarking it anyway (--no-build)"
            continue
        fi
        command -v swift >/dev/null || hns_die "swift not found on PATH"
        hns_log "release build of $p (scratch path .build-release, nice 19; a cold build takes 10-20 min)"
        (cd "$HNS_ROOT" && nice -n 19 swift build -c release --scratch-path .build-release --product "$p") >&2 ||
            hns_die "release build of $p failed"
        # Up to date with Sources/ now, even when the change was outside this product's modules.
        touch "$bin"
    done
}

# The harness's Python packages, in a git-ignored venv.
bench_venv() {
    if "$BENCH_PY" -c 'import aiohttp, nats, uvloop, openpyxl' 2>/dev/null; then
        return 0
    fi
    hns_log "creating $BENCH_VENV (pip install -r bench/requirements.txt)"
    python3 -m venv "$BENCH_VENV" >&2 || hns_die "python3 -m venv failed (apt-get install python3-venv)"
    "$BENCH_VENV/bin/pip" install -q -r "$BENCH_DIR/requirements.txt" >&2 || hns_die "pip install failed"
}

# bench_ports VAR... — a distinct free TCP port into each variable.
bench_ports() {
    local var port taken=" "
    for var in "$@"; do
        port=$(hns_free_port)
        while [[ $taken == *" $port "* ]]; do port=$(hns_free_port); done
        taken+="$port "
        printf -v "$var" '%s' "$port"
    done
}

bench_cleanup() {
    local rc=$? i f
    trap '' INT TERM HUP
    trap - EXIT
    set +e
    for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
        hns_stop_pids 15 "${BENCH_PIDS[i]}"
    done
    if [[ -n $BENCH_PG_DATA ]]; then
        hns_pg_stop "$BENCH_PG_DATA"
    fi
    if [[ $rc -ne 0 && -n $BENCH_TMP ]]; then
        for f in "$BENCH_TMP"/*.log; do
            [[ -s $f ]] || continue
            hns_warn "last lines of $(basename "$f"):"
            tail -n 15 "$f" | sed 's/^/    /' >&2
        done
    fi
    if [[ -n $BENCH_TMP && -d $BENCH_TMP ]]; then
        if [[ $BENCH_KEEP -eq 1 ]]; then
            hns_log "kept $BENCH_TMP (logs, data)"
        else
            rm -rf "$BENCH_TMP"
        fi
    fi
    exit "$rc"
}

# Temporary folder (on the same disk as everything else, readable by the postgres OS user),
# and the trap that stops everything.
bench_begin() {
    # Random per run; the bench config names them by variable (publisher, subscriptions).
    export BENCH_PUBLISHER_TOKEN BENCH_SUB_TOKEN BENCH_ADMIN_TOKEN
    BENCH_PUBLISHER_TOKEN=$(hns_rand_hex 24)
    BENCH_SUB_TOKEN=$(hns_rand_hex 24)
    BENCH_ADMIN_TOKEN=$(hns_rand_hex 24)
    BENCH_TMP=$(mktemp -d /tmp/hns-bench.XXXXXX)
    chmod 755 "$BENCH_TMP"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM HUP
}

# bench_spawn LOG CMD... — start CMD in the background (own session, so a Ctrl-C reaches only this
# script, whose trap stops it by PID); its PID goes to BENCH_LAST_PID and BENCH_PIDS.
bench_spawn() {
    local log=$1
    shift
    setsid "$@" </dev/null >>"$log" 2>&1 &
    BENCH_LAST_PID=$!
    BENCH_PIDS+=("$BENCH_LAST_PID")
}

# bench_wait_http URL PID WHAT — up to 30 s for URL to answer 200 while PID lives.
bench_wait_http() {
    local i
    for ((i = 0; i < 150; i++)); do
        if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null)" == 200 ]]; then
            return 0
        fi
        hns_pid_alive "$2" || hns_die "$3 exited during startup"
        sleep 0.2
    done
    hns_die "$3 did not answer 200 on $1 within 30 s"
}

# Durable PostgreSQL: every commit is flushed to disk before it is acknowledged. Only settings
# that do not weaken durability are tuned (memory, checkpoint spacing).
bench_start_pg() {
    BENCH_PG_DATA=$BENCH_TMP/postgres
    hns_pg_start "$BENCH_PG_DATA" "$PG_PORT" -c fsync=on -c synchronous_commit=on -c full_page_writes=on \
        -c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min -c max_connections=200 ${BENCH_PG_OPTS:-} >/dev/null
    PSQL=("$HNS_PG_BINDIR/psql" -X -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1)
    "${PSQL[@]}" -d postgres -c 'CREATE DATABASE hns' >/dev/null
    PG_DURABILITY=$("${PSQL[@]}" -d hns -c "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings
        WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes')")
    [[ $PG_DURABILITY == *"fsync=on"* && $PG_DURABILITY == *"synchronous_commit=on"* ]] ||
        hns_die "PostgreSQL is not durable: $PG_DURABILITY"
}

# Migrates and starts hns-eventbus with bench/eventbus-bench.yaml.
bench_start_bus() {
    export HNS_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/hns"
    unset HNS_EVENTBUS_DATABASE_URL HNS_EVENTBUS_URL HNS_EVENTBUS_TOKEN
    export HNS_BIND=127.0.0.1 HNS_LOG_LEVEL=warning
    "$BENCH_BIN/hns-eventbus" migrate --migrations "$HNS_ROOT/Migrations" >>"$BENCH_TMP/eventbus.log" 2>&1 ||
        hns_die "hns-eventbus migrate failed"
    bench_spawn "$BENCH_TMP/eventbus.log" env HNS_EVENTBUS_PORT="$BUS_PORT" HNS_EVENTBUS_CONFIG="$BENCH_DIR/eventbus-bench.yaml" \
        HNS_EVENTBUS_ADMIN_TOKEN="$BENCH_ADMIN_TOKEN" "$BENCH_BIN/hns-eventbus" serve
    BUS_PID=$BENCH_LAST_PID
    bench_wait_http "http://127.0.0.1:$BUS_PORT/readyz" "$BUS_PID" hns-eventbus
}

# fdatasync rate of this disk (8 KiB writes), for reading the absolute numbers.
bench_disk_fsync() {
    (cd "$BENCH_TMP" && timeout 60 "$HNS_PG_BINDIR/pg_test_fsync" -s 1 -f "$BENCH_TMP/fsync.test" 2>/dev/null) |
        awk '/one 8kB write/ { one = 1 } one && $1 == "fdatasync" { print $2 " ops/s"; exit }'
    rm -f "$BENCH_TMP/fsync.test"
}

# "<machine busy jiffies> <this benchmark's jiffies>": this shell with its reaped children (the
# harness), everything in BENCH_PIDS, PostgreSQL's postmaster (with exited backends) and live backends.
bench_cpu_sample() {
    local pid pm v ours=0 total
    total=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat)
    pm=$(head -n 1 "$BENCH_PG_DATA/postmaster.pid" 2>/dev/null || true)
    # shellcheck disable=SC2046 # one PID per word
    for pid in $$ "${BENCH_PIDS[@]}" $pm $([[ -n $pm ]] && ps -o pid= --ppid "$pm"); do
        v=$(sed -E 's/^.*\) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }')
        ours=$((ours + ${v:-0}))
    done
    echo "$total $ours"
}

# bench_run_harness ARGS... — the harness in the background (so a signal reaches the trap at once),
# then how busy the machine was meanwhile, and how much of that was not this benchmark.
bench_run_harness() {
    local t0 s0 s1 pid
    t0=$(date +%s.%N)
    s0=$(bench_cpu_sample)
    "$BENCH_PY" "$BENCH_DIR/harness.py" "$@" &
    pid=$!
    BENCH_PIDS+=("$pid")
    wait "$pid"
    s1=$(bench_cpu_sample)
    awk -v t0="$t0" -v t1="$(date +%s.%N)" -v hz="$(getconf CLK_TCK)" -v n="$(nproc)" -v a="$s0" -v b="$s1" 'BEGIN {
        split(a, x, " "); split(b, y, " "); cap = (t1 - t0) * hz * n / 100
        all = (y[1] - x[1]) / cap; ours = (y[2] - x[2]) / cap; other = all - ours; if (other < 0) other = 0
        printf "  CPU during the measurements (%d cores = 100%%): machine %.0f%%, this benchmark %.0f%%, other processes %.0f%%%s\n",
            n, all, ours, other, (other > 10 ? "  <- the machine was not quiet; figures are pessimistic" : "")
    }'
}
