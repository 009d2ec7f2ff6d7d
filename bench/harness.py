#!/usr/bin/env python3
"""Load harness behind scripts/bench-eventbus and scripts/bench-router (see bench/README.md).

  harness.py sink --port P --token T [--closed a,b]   the HTTP subscriber (run as its own process)
  harness.py eventbus ...                             hns-eventbus side by side with NATS JetStream
  harness.py router ...                               hns-stripe-router -> hns-eventbus

One client code path per measurement drives every system, with the same 1 KiB JSON messages and
the same concurrency. Only 127.0.0.1 is ever contacted; every loop is bounded in count and time.
"""
import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import math
import os
import subprocess
import sys
import time
import uuid
from urllib.parse import urlparse

import aiohttp
from aiohttp import web

try:
    import uvloop
except ImportError:  # the harness still works, a little slower
    uvloop = None

MSG_BYTES = 1024
RUN = uuid.uuid4().hex[:8]  # keeps Msg-Ids unique across runs
IDS = itertools.count()
STREAM = "hns_ticketing_events"
SUBJECTS = ["ticket.>", "order.>", "payment.>", "match.>", "queue.>", "quota.>",
            "blacklist.>", "loyalty.>", "mail.>", "stripe.>"]


class Failure(Exception):
    pass


def loopback(url):
    if urlparse(url).hostname != "127.0.0.1":
        sys.exit(f"refusing non-loopback URL {url}")
    return url.rstrip("/")


def next_id(prefix="m"):
    return f"{prefix}-{RUN}-{next(IDS)}"


def message(i, ts=0.0):
    """A 1 KiB JSON object; `ts` (time.monotonic() of the intended send) feeds end-to-end latency."""
    head = b'{"ts":%.6f,"i":%d,"pad":"' % (ts, i)
    return head + b"x" * (MSG_BYTES - len(head) - 2) + b'"}'


def pct(values, p):
    if not values:
        return math.nan
    v = sorted(values)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]


def stats(lat):
    return {"p50": pct(lat, 50) * 1000, "p99": pct(lat, 99) * 1000, "max": max(lat, default=math.nan) * 1000}


async def expect(r, status):
    if r.status != status:
        raise Failure(f"{r.method} {r.url.path}: HTTP {r.status} {(await r.text())[:300]}")
    return await r.read()


def session(limit=256):
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit), cookie_jar=aiohttp.DummyCookieJar(),
                                 timeout=aiohttp.ClientTimeout(total=15))


# ---------------------------------------------------------------------------------------------
# Load shapes


async def closed_loop(op, conc, seconds, limit=5_000_000):
    """`conc` workers, each waiting for op()'s answer before the next call, for `seconds`."""
    done = errors = 0
    lat, last = [], None
    stop = time.monotonic() + seconds

    async def worker():
        nonlocal done, errors, last
        while time.monotonic() < stop and done < limit:
            t = time.monotonic()
            try:
                n = await op()  # not `done += await op()`: that reads `done` before the await
            except Exception as e:  # counted and reported; too many abort the run
                errors, last = errors + 1, e
                if errors > 50:
                    raise Failure(f"more than 50 errors, last: {e!r}") from e
                await asyncio.sleep(0.05)
                continue
            done += n
            lat.append(time.monotonic() - t)

    cpu, t0 = time.process_time(), time.monotonic()
    await asyncio.gather(*(worker() for _ in range(conc)))
    wall = time.monotonic() - t0
    return {"rate": done / wall, "n": done, "errors": errors, "last_error": last,
            "cpu": (time.process_time() - cpu) / wall, **stats(lat)}


async def open_loop(op, rate, seconds):
    """Starts op(i, t) at `rate`/s whatever the answers; latency counts from the intended start `t`."""
    n = int(rate * seconds)
    lat, errors, lag, last = [], [], 0.0, 0.0
    start = time.monotonic() + 0.05

    async def one(i, t):
        nonlocal last
        try:
            await op(i, t)
            last = time.monotonic()
            lat.append(last - t)
        except Exception as e:
            errors.append(e)

    tasks = []
    cpu = time.process_time()
    for i in range(n):
        t = start + i / rate
        delay = t - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        lag = max(lag, -delay)
        tasks.append(asyncio.create_task(one(i, t)))
    sent = n / (time.monotonic() - start)
    await asyncio.wait(tasks, timeout=30)
    return {"n": n, "offered": sent, "done_rate": len(lat) / max(last - start, 1e-9),
            "errors": len(errors) + sum(not t.done() for t in tasks),
            "last_error": errors[-1] if errors else None, "send_lag": lag * 1000,
            "cpu": (time.process_time() - cpu) / (time.monotonic() - start), **stats(lat)}


async def fill(publish_batch, subject, n, conc=8):
    """Publishes exactly n messages in batches of 100, `conc` batches in flight."""
    chunks = iter(range(0, n, 100))

    async def worker():
        for k in chunks:
            items = [(next_id("fill"), message(i)) for i in range(k, min(k + 100, n))]
            for attempt in range(5):
                try:
                    await publish_batch(subject, items)
                    break
                except Exception as e:
                    if attempt == 4:
                        raise Failure(f"filling {subject}: {e!r}") from e
                    await asyncio.sleep(0.5)

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(conc))), 600)


# ---------------------------------------------------------------------------------------------
# Systems under test


class Bus:
    """hns-eventbus over its HTTP API."""
    name = "hns-eventbus"

    def __init__(self, base, token, admin):
        self.base, self.admin = loopback(base), admin
        self.auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def start(self):
        self.http = session()

    async def close(self):
        if getattr(self, "http", None):
            await self.http.close()

    async def publish(self, subject, data, msg_id):
        async with self.http.post(f"{self.base}/v1/publish/{subject}", data=data, headers={**self.auth, "Msg-Id": msg_id}) as r:
            if json.loads(await expect(r, 202))["duplicate"]:
                raise Failure("unexpected duplicate")

    async def publish_batch(self, subject, items):
        body = b"[" + b",".join(b'{"subject":"%s","msg_id":"%s","data":%s}' % (subject.encode(), m.encode(), d)
                                for m, d in items) + b"]"
        async with self.http.post(f"{self.base}/v1/publish", data=body, headers=self.auth) as r:
            acks = json.loads(await expect(r, 202))["acks"]
        if len(acks) != len(items) or any(a["duplicate"] for a in acks):
            raise Failure("batch: wrong or duplicate acks")

    async def get(self, path):
        async with self.http.get(self.base + path, headers={"Authorization": f"Bearer {self.admin}"}) as r:
            return json.loads(await expect(r, 200))

    async def subscription(self, name):
        return next(s for s in (await self.get("/v1/subscriptions"))["subscriptions"] if s["name"] == name)


class JetStream:
    """NATS JetStream through nats-py: publish waits for the PubAck, like the bus's 202."""

    def __init__(self, url, name="JetStream"):
        self.url, self.name = loopback(url), name

    async def start(self):
        import nats
        from nats.js import api
        self.api = api
        self.nc = await nats.connect(self.url, allow_reconnect=False, connect_timeout=5)
        self.js = self.nc.jetstream(timeout=15)
        await self.js.add_stream(api.StreamConfig(
            name=STREAM, subjects=SUBJECTS, storage=api.StorageType.FILE, max_age=72 * 3600,
            duplicate_window=72 * 3600, max_msg_size=1 << 20))

    async def close(self):
        if getattr(self, "nc", None):
            await self.nc.close()

    async def publish(self, subject, data, msg_id):
        ack = await self.js.publish(subject, data, headers={"Nats-Msg-Id": msg_id})
        if ack.duplicate:
            raise Failure("unexpected duplicate")

    async def publish_batch(self, subject, items):
        """Async publish of the whole batch, then wait for every ack."""
        futures = [await self.js.publish_async(subject, d, headers={"Nats-Msg-Id": m}) for m, d in items]
        acks = await asyncio.wait_for(asyncio.gather(*futures), 15)
        if any(a.duplicate for a in acks):
            raise Failure("batch: duplicate acks")

    def consumer(self, durable, **kw):
        a = self.api
        return a.ConsumerConfig(durable_name=durable, ack_policy=a.AckPolicy.EXPLICIT, ack_wait=30, **kw)


class Sink:
    """Client for the sink process: it records what each subscription received."""

    def __init__(self, base, token):
        self.base, self.token = loopback(base), token

    async def start(self):
        self.http = session()

    async def close(self):
        if getattr(self, "http", None):
            await self.http.close()

    async def ctl(self, name, lat=False, **cmd):
        url = f"{self.base}/ctl/{name}" + ("?lat=1" if lat else "")
        async with (self.http.post(url, json=cmd) if cmd else self.http.get(url)) as r:
            return json.loads(await expect(r, 200))

    async def forward(self, name, msg):
        """What the "JetStream + consumer" design does per message: POST the envelope, ack after a 2xx."""
        m = msg.metadata
        env = b'{"subject":"%s","data":%s,"timestamp":"%s","message_id":"%s"}' % (
            msg.subject.encode(), msg.data, m.timestamp.isoformat().encode(), msg.headers["Nats-Msg-Id"].encode())
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                   "Event-Seq": str(m.sequence.stream), "Delivery-Attempt": str(m.num_delivered)}
        for _ in range(100):  # the sink is open for JetStream's names: one try in practice
            async with self.http.post(f"{self.base}/sink/{name}", data=env, headers=headers) as r:
                await r.read()
                if 200 <= r.status < 300:
                    return await msg.ack()
            await asyncio.sleep(0.1)
        raise Failure(f"sink refused {name}")

    async def wait(self, name, n, t0, deadline):
        """Polls until the sink has n distinct messages for `name`; returns its counters."""
        while True:
            s = await self.ctl(name)
            if s["unique"] >= n or time.monotonic() > deadline:
                s["timed_out"] = s["unique"] < n
                s["seconds"] = ((s["last"] if s["unique"] >= n else time.monotonic()) - t0)
                s["rate"] = s["unique"] / max(s["seconds"], 1e-9)
                return s
            await asyncio.sleep(0.1)


# ---------------------------------------------------------------------------------------------
# The sink (its own process, so receipt handling does not compete with the clients' event loop)


def sink_main(a):
    auth = "Bearer " + a.token
    subs = {}

    def sub(name):
        return subs.setdefault(name, {"open": True, "n": 0, "ids": set(), "first": None, "last": None,
                                      "lat": [], "refused": 0, "unauthorized": 0})

    for name in filter(None, a.closed.split(",")):
        sub(name)["open"] = False

    async def deliver(request):
        s = sub(request.match_info["name"])
        raw = await request.read()
        now = time.monotonic()
        if request.headers.get("Authorization") != auth:
            s["unauthorized"] += 1
            return web.Response(status=401)
        if not s["open"]:
            s["refused"] += 1
            return web.Response(status=503)
        env = json.loads(raw)
        s["n"] += 1
        s["ids"].add(env["message_id"])
        s["first"] = s["first"] or now
        s["last"] = now
        if isinstance(env["data"], dict) and env["data"].get("ts"):
            s["lat"].append(now - env["data"]["ts"])
        return web.Response(status=204)

    async def control(request):
        s = sub(request.match_info["name"])
        if request.method == "POST":
            cmd = await request.json()
            if cmd.get("reset"):
                s.update(n=0, ids=set(), first=None, last=None, lat=[], refused=0, unauthorized=0)
            if "open" in cmd:
                s["open"] = bool(cmd["open"])
        out = {k: v for k, v in s.items() if k not in ("ids", "lat")}
        out["unique"] = len(s["ids"])
        out["cpu"] = time.process_time()  # the sink's own CPU seconds, to tell when it is the limit
        if request.query.get("lat"):
            out["lat"] = s["lat"]
        return web.json_response(out)

    app = web.Application(client_max_size=2 << 20)
    app.router.add_post("/sink/{name}", deliver)
    app.router.add_route("*", "/ctl/{name}", control)
    web.run_app(app, host="127.0.0.1", port=a.port, access_log=None, print=None)


# ---------------------------------------------------------------------------------------------
# Output


def fmt(v, unit=""):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if unit == "ms":
        return f"{v:.1f}" if v < 100 else f"{v:,.0f}"
    return f"{v:,.0f}"


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def verdict(ok):
    return "PASS" if ok else "FAIL"


def psql(port, sql):
    out = subprocess.run(["/usr/lib/postgresql/15/bin/psql", "-X", "-qtA", "-h", "127.0.0.1", "-p", str(port),
                          "-U", "postgres", "-d", "hns", "-c", sql], capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def pg_counters(port):
    row = psql(port, "SELECT xact_commit, (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relid = 'eventbus.subscriptions'::regclass),"
                     " (SELECT n_tup_ins FROM pg_stat_user_tables WHERE relid = 'eventbus.messages'::regclass)"
                     " FROM pg_stat_database WHERE datname = 'hns'")
    commits, cursor_updates, inserted = (int(x) for x in row.split("|"))
    return {"commits": commits, "cursor_updates": cursor_updates, "inserted": inserted}


async def bus_metric(bus, name):
    async with bus.http.get(bus.base + "/metrics") as r:
        text = (await r.read()).decode()
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ") or line.startswith(name + "{"))


# ---------------------------------------------------------------------------------------------
# bench-eventbus


async def eventbus_main(a):
    bus = Bus(a.bus, a.token, a.admin)
    systems = [bus, JetStream(a.nats)] + ([JetStream(a.nats_always, "JetStream sync=always")] if a.nats_always else [])
    sink = Sink(a.sink, a.sub_token)
    try:
        for s in systems + [sink]:
            await s.start()
        R = await eventbus_phases(a, bus, systems, sink)
    finally:
        for s in systems + [sink]:
            await s.close()
    report_eventbus(a, systems, R)


async def eventbus_phases(a, bus, systems, sink):
    R = {s.name: {} for s in systems}
    say = lambda *x: print("[bench]", *x, file=sys.stderr, flush=True)

    async def one(s):
        await s.publish("order.bench.pub", message(0), next_id())
        return 1

    async def batch(s):
        await s.publish_batch("order.bench.pub", [(next_id(), message(i)) for i in range(100)])
        return 100

    for s in systems:  # warm-up: connections, caches, the stream's first blocks
        await closed_loop(lambda s=s: one(s), 32, 2)

    async def settle():
        # Before each measurement: the page cache's dirty pages go to disk first. JetStream's file
        # store writes without fsync, and the kernel's writeback of a previous run's hundreds of MB
        # otherwise lands in the next one, where every fsync (PostgreSQL's commits) waits behind it.
        await asyncio.get_running_loop().run_in_executor(None, os.sync)
        await asyncio.sleep(0.5)

    # 1. Synchronous publish: each publisher waits for the ack (our 202 = committed) before the next.
    for conc in a.conc:
        for s in systems:
            await settle()
            say(f"sync publish x{conc}: {s.name}")
            if s is bus:
                pg, groups = pg_counters(a.pg_port), await bus_metric(bus, "hns_eventbus_group_commit_size_count")
            R[s.name][f"sync{conc}"] = r = await closed_loop(lambda s=s: one(s), conc, a.seconds)
            if s is bus:
                await asyncio.sleep(1.5)  # PostgreSQL publishes its statistics about once a second
                r["pg"] = {k: v - pg[k] for k, v in pg_counters(a.pg_port).items()}
                r["groups"] = await bus_metric(bus, "hns_eventbus_group_commit_size_count") - groups

    # 2. Batched publish: 100 messages per request (ours) / 100 async publishes then all acks (JetStream).
    for conc in a.batch_conc:
        for s in systems:
            await settle()
            say(f"batched publish (100/batch) x{conc}: {s.name}")
            R[s.name][f"batch{conc}"] = await closed_loop(lambda s=s: batch(s), conc, a.seconds)

    # 3. End-to-end latency at a fixed offered rate: subscriber receipt minus the intended send time.
    for i, s in enumerate(systems):
        await settle()
        say(f"end-to-end @{a.rate}/s: {s.name}")
        name = "bench-e2e" if s is bus else f"js-e2e-{i}"
        await sink.ctl(name, reset=True)
        sub = None
        if s is not bus:  # one message in flight, in order: the JetStream twin of max_in_flight 1
            cfg = s.consumer(None, deliver_policy=s.api.DeliverPolicy.NEW, max_ack_pending=1)
            async def forward(m, name=name):
                await sink.forward(name, m)
            sub = await s.js.subscribe("order.bench.e2e", cb=forward, manual_ack=True, config=cfg)
        r = await open_loop(lambda i, t, s=s: s.publish("order.bench.e2e", message(i, t), next_id()), a.rate, a.e2e_seconds)
        got = await sink.wait(name, r["n"] - r["errors"], time.monotonic(), time.monotonic() + 30)
        r.update(received=got["unique"], dup=got["n"] - got["unique"], e2e=stats((await sink.ctl(name, lat=True))["lat"]))
        R[s.name]["e2e"] = r
        if sub:
            await sub.unsubscribe()

    # 4. Backlog drain: the backlog waits, then the subscriber comes back; time until it has it all.
    for window in (1, 32):
        topic = f"order.bench.drain{window}"
        for i, s in enumerate(systems):
            say(f"drain {a.backlog:,} with {window} in flight: {s.name}")
            await fill(s.publish_batch, topic, a.backlog)
            await settle()
            sink_cpu = (await sink.ctl("cpu"))["cpu"]
            t0 = time.monotonic()
            if s is bus:  # the subscription exists; the sink has answered 503 so far
                name = f"bench-drain-{window}"
                say(f"  {name}: pending {(await s.subscription(name))['pending']:,} before the sink opens")
                await sink.ctl(name, open=True)
                got = await sink.wait(name, a.backlog, t0, t0 + a.drain_timeout)
                await asyncio.sleep(1.5)  # the bus stores the cursor every 200 ms
                got["pending_after"] = (await s.subscription(name))["pending"]
            else:  # a new durable consumer on the backlog
                name = f"js-drain-{window}-{i}"
                drained = await js_drain(s, topic, f"drain{window}", window, a.backlog, t0 + a.drain_timeout,
                                         lambda m, name=name: sink.forward(name, m))
                got = {**await sink.wait(name, a.backlog, t0, t0 + 5), "client_cpu": drained["client_cpu"]}
                if window == 1:  # the same backlog without the HTTP hop: JetStream's own ceiling
                    R[s.name]["raw"] = await js_drain(s, topic, "raw", 1, a.backlog, time.monotonic() + a.drain_timeout, None)
            got["dup"] = got["n"] - got["unique"]
            got["sink_cpu"] = (got.pop("cpu") - sink_cpu) / got["seconds"]
            R[s.name][f"drain{window}"] = got
    return R


async def js_drain(s, topic, durable, window, n, deadline, forward):
    """A durable pull consumer fetching 500 at a time, up to `window` forwarded at once, each acked."""
    t0, cpu = time.monotonic(), time.process_time()
    psub = await s.js.pull_subscribe(topic, durable=durable, config=s.consumer(
        durable, deliver_policy=s.api.DeliverPolicy.ALL, max_ack_pending=2000))
    gate = asyncio.Semaphore(window)
    got = 0

    async def handle(m):
        async with gate:
            await (forward(m) if forward else m.ack())

    while got < n and time.monotonic() < deadline:
        try:
            msgs = await psub.fetch(500, timeout=2)
        except asyncio.TimeoutError:
            continue
        await asyncio.gather(*(handle(m) for m in msgs))
        got += len(msgs)
    await s.nc.flush()
    seconds = time.monotonic() - t0
    await psub.unsubscribe()
    return {"n": got, "unique": got, "seconds": seconds, "rate": got / seconds, "timed_out": got < n,
            "client_cpu": (time.process_time() - cpu) / seconds}


def fmt_ratio(ours, other):
    if not isinstance(ours, (int, float)) or not isinstance(other, (int, float)) or not other or math.isnan(ours) or math.isnan(other):
        return "n/a"
    return f"{ours / other:.2f}"


def report_eventbus(a, systems, R):
    names = [s.name for s in systems]
    ours, others = names[0], names[1:]
    rows = []

    def add(label, get, unit="", goal="", ratio=True):
        vals = [get(R[n]) for n in names]
        rows.append([label, *[v if isinstance(v, str) else fmt(v, unit) for v in vals],
                     *[fmt_ratio(vals[0], v) if ratio else "" for v in vals[1:]], goal])

    for conc in a.conc:
        k = f"sync{conc}"
        goal = f"publish @32 ours >= JetStream: {verdict(R[ours][k]['rate'] >= R[others[0]][k]['rate'])}" if conc == 32 else ""
        add(f"sync publish, {conc} publisher(s), msg/s", lambda r: r[k]["rate"], goal=goal)
        add("  ack latency p50, ms", lambda r: r[k]["p50"], "ms")
        add("  ack latency p99, ms", lambda r: r[k]["p99"], "ms")
    for conc in a.batch_conc:
        add(f"batched publish 100/batch, {conc} publisher(s), msg/s", lambda r: r[f"batch{conc}"]["rate"])
    e = R[ours]["e2e"]
    e2e_ok = e["e2e"]["p99"] < 25 and e["received"] == e["n"] and e["errors"] == 0
    add(f"end-to-end @{a.rate}/s offered, p50 ms", lambda r: r["e2e"]["e2e"]["p50"], "ms")
    add(f"end-to-end @{a.rate}/s offered, p99 ms", lambda r: r["e2e"]["e2e"]["p99"], "ms", f"e2e p99 < 25 ms: {verdict(e2e_ok)}")
    add("  end-to-end max, ms", lambda r: r["e2e"]["e2e"]["max"], "ms")
    add("  received / sent", lambda r: f'{r["e2e"]["received"]:,}/{r["e2e"]["n"]:,}', ratio=False)
    for window in (1, 32):
        k = f"drain{window}"
        add(f"drain {a.backlog:,} backlog, {window} in flight, msg/s", lambda r: r[k]["rate"])
        add("  drain time, s", lambda r: f'{r[k]["seconds"]:.1f}' + (" TIMEOUT" if r[k]["timed_out"] else ""), ratio=False)
    add("raw fetch+ack drain, no HTTP hop, msg/s", lambda r: r.get("raw", {}).get("rate"), ratio=False)
    print()
    table(["measurement", *names, *[f"ours/{o}" for o in others], "goal"], rows)

    print()
    print("Checks and context:")
    for n in names:
        r = R[n]
        errors = sum(v.get("errors", 0) for v in r.values())
        cpu = ", ".join(f"{k} {v['cpu'] * 100:.0f}%" for k, v in r.items() if "cpu" in v)
        print(f"  {n}: client errors {errors}; harness client-process CPU: {cpu}")
        e = r["e2e"]
        print(f"  {n}: e2e offered {e['offered']:,.0f}/s (max send lag {e['send_lag']:.1f} ms), publish ack p50/p99 "
              f"{e['p50']:.1f}/{e['p99']:.1f} ms, duplicates at the subscriber {e['dup']}")
        for window in (1, 32):
            d = r[f"drain{window}"]
            extra = f", subscription pending afterwards {d['pending_after']:,.0f}" if "pending_after" in d else ""
            cpu = f"sink CPU {d['sink_cpu'] * 100:.0f}%" + (f", consumer CPU {d['client_cpu'] * 100:.0f}%" if "client_cpu" in d else "")
            print(f"  {n}: drain x{window}: {d['unique']:,}/{a.backlog:,} distinct received, duplicates {d['dup']}, "
                  f"503s before opening {d['refused']}{extra}; {cpu} (of one core)")
    s32 = R[ours].get("sync32")
    if s32:
        pg = s32["pg"]
        print(f"  {ours} during sync publish x32: {s32['n']:,} messages in {s32['groups']:,.0f} group commits "
              f"(avg {s32['n'] / max(s32['groups'], 1):.1f} per commit); PostgreSQL committed {pg['commits']:,} "
              f"transactions and {pg['cursor_updates']:,} subscription-cursor UPDATEs meanwhile")


# ---------------------------------------------------------------------------------------------
# bench-router


def stripe_event(i):
    head = b'{"id":"evt_%s_%d","type":"payment_intent.succeeded","data":{"object":{"metadata":{"site":"backend"},"pad":"' % (
        RUN.encode(), i)
    return head + b"x" * (MSG_BYTES - len(head) - 4) + b'"}}}'


def stripe_header(secret, body):
    t = int(time.time())
    mac = hmac.new(secret.encode(), b"%d." % t + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


async def router_main(a):
    bus = Bus(a.bus, a.token, a.admin)
    await bus.start()
    http = session()
    try:
        res, acked, stream = await router_phases(a, bus, http)
    finally:
        await http.close()
        await bus.close()
    report_router(a, res, acked, stream)


async def router_phases(a, bus, http):
    router = loopback(a.router)
    say = lambda *x: print("[bench]", *x, file=sys.stderr, flush=True)
    acked = 0

    async def routed(*_):
        nonlocal acked
        body = stripe_event(next(IDS))
        headers = {"Stripe-Signature": stripe_header(a.secret, body), "Content-Type": "application/json"}
        async with http.post(f"{router}/webhook/stripe", data=body, headers=headers) as r:
            ans = json.loads(await expect(r, 200))
        if not ans["routed"] or ans["duplicate"] or ans["subject"] != "stripe.backend":
            raise Failure(f"unexpected router answer {ans}")
        acked += 1
        return 1

    async def direct(*_):
        nonlocal acked
        i = next(IDS)
        await bus.publish("stripe.backend", stripe_event(i), f"evt_{RUN}_{i}")
        acked += 1
        return 1

    async def healthz():
        async with http.get(f"{router}/healthz") as r:
            await expect(r, 200)
        return 1

    async def connections():
        await asyncio.sleep(a.seconds / 2)
        out = subprocess.run(["ss", "-Htnp", "state", "established", f"( dport = :{urlparse(a.bus).port} )"],
                             capture_output=True, text=True, timeout=10).stdout
        return sum(f"pid={a.router_pid}," in line for line in out.splitlines())

    say("warm-up")
    await closed_loop(routed, a.conc, 2)
    await closed_loop(direct, a.conc, 2)
    res = {}
    say(f"router /healthz x{a.conc}")
    res["healthz"] = await closed_loop(healthz, a.conc, a.seconds)
    say(f"bus direct publish x{a.conc}")
    res["direct"] = await closed_loop(direct, a.conc, a.seconds)
    say(f"routed x{a.conc}")
    conns = asyncio.create_task(connections())
    res["routed"] = await closed_loop(routed, a.conc, a.seconds)
    res["routed"]["conns"] = await conns
    say(f"routed @{a.rate}/s")
    res["routed_rate"] = await open_loop(routed, a.rate, a.seconds)
    say(f"direct publish @{a.rate}/s")
    res["direct_rate"] = await open_loop(direct, a.rate, a.seconds)
    return res, acked, await bus.get("/v1/stream")


def report_router(a, res, acked, stream):
    ratio = res["routed"]["rate"] / res["direct"]["rate"]
    p99 = res["routed_rate"]["p99"]
    rows = []
    for key, label in [("healthz", f"router GET /healthz, {a.conc} concurrent (HTTP ceiling)"),
                       ("direct", f"bus direct publish, {a.conc} concurrent"),
                       ("routed", f"routed router -> bus (committed), {a.conc} concurrent"),
                       ("routed_rate", f"routed @{a.rate}/s offered"),
                       ("direct_rate", f"bus direct publish @{a.rate}/s offered")]:
        r = res[key]
        rate = fmt(r["rate"]) if "rate" in r else f'{fmt(r["offered"])} offered, {fmt(r["done_rate"])} done'
        rows.append([label, rate, fmt(r["p50"], "ms"), fmt(r["p99"], "ms"),
                     fmt(r["max"], "ms"), r["errors"], f"{r['cpu'] * 100:.0f}%"])
    print()
    table(["measurement", "req/s (answered)", "p50 ms", "p99 ms", "max ms", "errors", "harness CPU"], rows)
    print()
    print(f"routed / direct publish @{a.conc} = {ratio:.2f}   (goal >= 0.7)            {verdict(ratio >= 0.7)}")
    print(f"routed p99 @{a.rate}/s = {p99:.1f} ms   (goal < 20 ms)          {verdict(p99 < 20 and res['routed_rate']['errors'] == 0)}")
    print(f"routed / router /healthz @{a.conc} = {res['routed']['rate'] / res['healthz']['rate']:.2f}")
    print()
    print("Checks and context:")
    print(f"  stream last_seq {stream['last_seq']:,.0f} vs {acked:,} publishes acknowledged to the harness "
          "(routed 200s + direct 202s; equal = every acknowledged event is committed once)")
    print(f"  router -> bus TCP connections in use mid-run (routed x{a.conc}): {res['routed']['conns']}")
    for key in ("routed_rate", "direct_rate"):
        r = res[key]
        print(f"  {key}: offered {r['offered']:,.0f}/s over {r['n']:,} requests (max send lag {r['send_lag']:.1f} ms), "
              f"answered at {r['done_rate']:,.0f}/s; latency counts from each request's scheduled send time")


# ---------------------------------------------------------------------------------------------


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("sink")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--token", default=os.environ.get("BENCH_SUB_TOKEN"), help="default $BENCH_SUB_TOKEN")
    s.add_argument("--closed", default="")
    e = sub.add_parser("eventbus")
    r = sub.add_parser("router")
    for x in (e, r):
        x.add_argument("--bus", required=True)
        x.add_argument("--token", default=os.environ.get("BENCH_PUBLISHER_TOKEN"), help="default $BENCH_PUBLISHER_TOKEN")
        x.add_argument("--admin", default=os.environ.get("BENCH_ADMIN_TOKEN"), help="default $BENCH_ADMIN_TOKEN")
        x.add_argument("--seconds", type=float, default=10)
        x.add_argument("--rate", type=int, default=1000)
        x.add_argument("--time-limit", type=float, default=1800)
    e.add_argument("--sink", required=True)
    e.add_argument("--sub-token", default=os.environ.get("BENCH_SUB_TOKEN"), help="default $BENCH_SUB_TOKEN")
    e.add_argument("--nats", required=True)
    e.add_argument("--nats-always")
    e.add_argument("--pg-port", type=int, required=True)
    e.add_argument("--conc", type=int, nargs="+", default=[1, 32])
    e.add_argument("--batch-conc", type=int, nargs="+", default=[1, 32])
    e.add_argument("--e2e-seconds", type=float, default=10)
    e.add_argument("--backlog", type=int, default=100_000)
    e.add_argument("--drain-timeout", type=float, default=300)
    r.add_argument("--router", required=True)
    r.add_argument("--router-pid", required=True)
    r.add_argument("--secret", default=os.environ.get("BENCH_STRIPE_SECRET"), help="default $BENCH_STRIPE_SECRET")
    r.add_argument("--conc", type=int, default=32)
    a = p.parse_args()
    missing = [k for k in ("token", "admin", "sub_token", "secret") if k in vars(a) and not getattr(a, k)]
    if missing:
        p.error("missing: " + ", ".join(missing))
    if uvloop:
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    if a.mode == "sink":
        return sink_main(a)
    run = eventbus_main if a.mode == "eventbus" else router_main
    try:
        asyncio.run(asyncio.wait_for(run(a), a.time_limit))
    except (Failure, asyncio.TimeoutError) as e:
        sys.exit(f"[bench] aborted: {e!r}")


if __name__ == "__main__":
    main()
