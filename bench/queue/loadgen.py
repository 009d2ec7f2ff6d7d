#!/usr/bin/env python3
"""Load generator for hns-queue (scripts/bench-queue starts it; see bench/README.md).

One coordinator and W worker processes on loopback. Workers join fans over HTTP, then hold one
WebSocket per fan (a minimal RFC 6455 client as an asyncio Protocol: no compression, answers pings),
spread over several hns-queue instances and over source addresses 127.0.0.2.., so that no process
needs more than 20,000 open files. The coordinator drives the phases over the workers' stdin/stdout
(JSON lines) and prints the figures.
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import resource
import struct
import sys
import time

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None

import aiohttp


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(secret, issuer, audience, sub):
    now = int(time.time())
    header = b64u(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64u(json.dumps({"iss": issuer, "aud": audience, "sub": sub, "roles": ["customer"], "amr": ["pwd"],
                              "iat": now, "exp": now + 3600}).encode())
    signing = f"{header}.{claims}".encode()
    return f"{header}.{claims}.{b64u(hmac.new(secret.encode(), signing, hashlib.sha256).digest())}"


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


# ----------------------------------------------------------------------------- worker

class Sock:
    __slots__ = ("qid", "pos", "target", "hit", "turn", "open", "msgs")

    def __init__(self, qid):
        self.qid = qid
        self.pos = None
        self.target = None
        self.hit = None
        self.turn = None
        self.open = False
        self.msgs = 0

    def on_message(self, data):
        self.msgs += 1
        now = time.time() * 1000
        # Byte tests instead of json.loads: at 100,000 sockets the clients, not the server, ran out of CPU.
        if b'"your_turn"' in data:
            if self.turn is None:
                self.turn = now
            if self.target is not None and self.hit is None:
                self.hit = now
        elif b'"type":"position"' in data:
            i = data.find(b'"position":')
            if i < 0:
                return
            i += 11
            j = i
            while j < len(data) and 48 <= data[j] <= 57:
                j += 1
            if j == i:
                return  # null: before the draw
            p = int(data[i:j])
            self.pos = p
            if self.target is not None and self.hit is None and p <= self.target:
                self.hit = now


def frame(opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


class WSClient(asyncio.Protocol):
    """One socket: the upgrade, then frames parsed from a buffer as bytes arrive (no coroutine per socket)."""

    def __init__(self, sock, path, host, ticket, opened):
        self.sock, self.path, self.host, self.ticket, self.opened = sock, path, host, ticket, opened
        self.buf = bytearray()
        self.upgraded = False
        self.reported = False
        self.transport = None

    def report(self, ok):
        if not self.reported:
            self.reported = True
            self.opened(ok)

    def connection_made(self, transport):
        self.transport = transport
        key = b64u(os.urandom(16)) + "=="
        transport.write((f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())

    def data_received(self, data):
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[:buf.find(b"\r\n")])
            del buf[:end + 4]
            if b" 101 " not in status:
                self.report(False)
                self.transport.close()
                return
            self.upgraded = True
            self.transport.write(frame(1, json.dumps({"queue_ticket": self.ticket}).encode()))
            self.sock.open = True
            self.report(True)
        while len(buf) >= 2:
            op, n, i = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, i = struct.unpack_from("!H", buf, 2)[0], 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, i = struct.unpack_from("!Q", buf, 2)[0], 10
            if len(buf) < i + n:
                return
            payload = bytes(buf[i:i + n])
            del buf[:i + n]
            if op == 1:
                self.sock.on_message(payload)
            elif op == 9:
                self.transport.write(frame(0xA, payload))
            elif op == 8:
                self.transport.close()
                return

    def connection_lost(self, exc):
        self.sock.open = False
        self.report(False)


async def hold_socket(host, port, path, local_ip, ticket, sock, opened):
    loop = asyncio.get_running_loop()
    try:
        await loop.create_connection(lambda: WSClient(sock, path, f"{host}:{port}", ticket, opened),
                                     host, port, local_addr=(local_ip, 0))
    except OSError:
        opened(False)


async def worker_main(a):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))
    urls = a.queues.split(",")
    tickets = []  # (instance index, ticket, qid)
    socks = []
    tasks = []
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    while True:
        line = await stdin.readline()
        if not line:
            break
        cmd = json.loads(line)
        c = cmd["cmd"]
        if c == "join":
            users = list(range(cmd["from"], cmd["to"]))
            lat, errors = [], 0
            # Plain HTTP/1.1 keep-alive connections, each bound to one instance: aiohttp cost the
            # clients more CPU per join than the server spent.
            t0 = time.time()
            shares = [iter([u for u in users if u % len(urls) == i]) for i in range(len(urls))]

            async def one(k):
                nonlocal errors
                inst = k % len(urls)
                host, port = urls[inst].replace("http://", "").split(":")
                reader = writer = None
                for u in shares[inst]:
                    token = mint(a.secret, a.issuer, a.audience, f"fan-{u}")
                    s = time.perf_counter()
                    try:
                        if writer is None:
                            reader, writer = await asyncio.open_connection(host, int(port))
                        writer.write((f"POST /v1/queues/{a.match}/join HTTP/1.1\r\nHost: {host}:{port}\r\n"
                                      f"Authorization: Bearer {token}\r\nContent-Length: 0\r\n\r\n").encode())
                        head = await reader.readuntil(b"\r\n\r\n")
                        status = int(head[9:12])
                        lower = head.lower()
                        i = lower.find(b"content-length:")
                        n = int(lower[i + 15:lower.find(b"\r\n", i)]) if i >= 0 else 0
                        body = await reader.readexactly(n) if n else b""
                        if status in (200, 201):
                            obj = json.loads(body)
                            tickets.append((inst, obj["queue_ticket"], obj["queue_id"]))
                        else:
                            errors += 1
                        if b"connection: close" in lower:
                            writer.close()
                            reader = writer = None
                    except (OSError, asyncio.IncompleteReadError, ValueError, KeyError):
                        errors += 1
                        if writer is not None:
                            writer.close()
                        reader = writer = None
                    lat.append((time.perf_counter() - s) * 1000)
                if writer is not None:
                    writer.close()
            await asyncio.gather(*(one(k) for k in range(cmd["conc"])))
            reply({"joined": len(users) - errors, "errors": errors, "seconds": time.time() - t0,
                   "p50": pct(lat, 50), "p99": pct(lat, 99)})
        elif c == "connect":
            done = asyncio.Event()
            state = {"ok": 0, "failed": 0}
            total = len(tickets)

            def opened(ok):
                state["ok" if ok else "failed"] += 1
                if state["ok"] + state["failed"] == total:
                    done.set()
            t0 = time.time()
            sem = asyncio.Semaphore(cmd.get("conc", 200))

            async def start(k, inst, ticket, qid):
                sock = Sock(qid)
                socks.append(sock)
                host, port = urls[inst].replace("http://", "").split(":")
                ip = f"127.0.0.{2 + (a.index + k) % a.ips}"
                async with sem:
                    ready = asyncio.Event()

                    def flag(ok):
                        opened(ok)
                        ready.set()
                    tasks.append(asyncio.create_task(
                        hold_socket(host, int(port), f"/v1/queues/{a.match}/ws", ip, ticket, sock, flag)))
                    await ready.wait()
            await asyncio.gather(*(start(k, *t) for k, t in enumerate(tickets)))
            if total:
                await done.wait()
            reply({"opened": state["ok"], "failed": state["failed"], "seconds": time.time() - t0})
        elif c == "status":
            reply({"open": sum(1 for s in socks if s.open), "positioned": sum(1 for s in socks if s.pos is not None),
                   "msgs": sum(s.msgs for s in socks)})
        elif c == "mark":
            by = cmd["by"]
            for s in socks:
                s.hit = None
                s.target = (s.pos - by) if (s.pos is not None and s.pos > by) else 0
            reply({"marked": len(socks)})
        elif c == "collect":
            waiting = [[s.qid, s.hit] for s in socks if s.target and s.target > 0]
            turns = [[s.qid, s.turn] for s in socks if s.target == 0 and s.turn is not None]
            admitted_expected = sum(1 for s in socks if s.target == 0)
            reply({"waiting": waiting, "turns": turns, "admitted_expected": admitted_expected,
                   "open": sum(1 for s in socks if s.open)})
        elif c == "quit":
            break
    for t in tasks:
        t.cancel()


# ----------------------------------------------------------------------------- coordinator

class Redis:
    """Just enough RESP for XRANGE and INFO."""

    def __init__(self, port):
        self.port = port

    async def call(self, *args):
        r, w = await asyncio.open_connection("127.0.0.1", self.port)
        out = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in (str(a).encode() for a in args))
        w.write(out)
        value = await self._read(r)
        w.close()
        return value

    async def _read(self, r):
        line = (await r.readline())[:-2]
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-"):
            return rest.decode()
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = await r.readexactly(n + 2)
            return data[:-2].decode()
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [await self._read(r) for _ in range(n)]
        raise ValueError(line)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Worker:
    def __init__(self, proc):
        self.proc = proc

    async def ask(self, obj):
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        await self.proc.stdin.drain()
        return json.loads(await self.proc.stdout.readline())


async def coordinator(a):
    urls = a.queues.split(",")
    pids = [int(p) for p in a.pids.split(",")]
    auth = {"Authorization": f"Bearer {a.service_token}", "Content-Type": "application/json"}
    redis = Redis(a.redis_port)
    async with aiohttp.ClientSession() as http:
        async def put(body):
            async with http.put(f"{urls[0]}/v1/queues/{a.match}", headers=auth, data=json.dumps(body)) as r:
                if r.status >= 300:
                    raise SystemExit(f"PUT queue failed: {r.status} {await r.text()}")
                return await r.json()

        async def overview():
            async with http.get(f"{urls[0]}/v1/queues/{a.match}", headers=auth) as r:
                return await r.json()

        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        await put({"sale_starts_at": now, "admission_per_minute": 1, "max_active_windows": a.move, "window_minutes": 20,
                   "state": "open"})
        for _ in range(100):
            if (await overview()).get("drawn"):
                break
            await asyncio.sleep(0.1)
        await put({"state": "paused"})

        procs = []
        for i in range(a.workers):
            p = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "worker", "--index", str(i), "--queues", a.queues, "--match", a.match,
                "--secret", a.secret, "--issuer", a.issuer, "--audience", a.audience, "--ips", str(a.ips),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=256 * 1024 * 1024)
            procs.append(Worker(p))

        # Joins
        per = a.sockets // a.workers
        ranges = [(i * per, (i + 1) * per if i < a.workers - 1 else a.sockets) for i in range(a.workers)]
        t0 = time.time()
        joins = await asyncio.gather(*(w.ask({"cmd": "join", "from": f, "to": t, "conc": a.join_conc})
                                       for w, (f, t) in zip(procs, ranges)))
        join_s = time.time() - t0
        joined = sum(j["joined"] for j in joins)
        join_errors = sum(j["errors"] for j in joins)

        rss_before = [rss_kib(p) for p in pids]
        # Sockets
        t0 = time.time()
        conns = await asyncio.gather(*(w.ask({"cmd": "connect", "conc": a.connect_conc}) for w in procs))
        connect_s = time.time() - t0
        opened = sum(c["opened"] for c in conns)
        await asyncio.sleep(a.settle)
        status = await asyncio.gather(*(w.ask({"cmd": "status"}) for w in procs))
        held = sum(s["open"] for s in status)
        positioned = sum(s["positioned"] for s in status)
        rss_after = [rss_kib(p) for p in pids]
        server_sockets = 0
        for u in urls:
            async with http.get(u + "/metrics") as r:
                for line in (await r.text()).splitlines():
                    if line.startswith("hns_queue_sockets_open"):
                        server_sockets += int(float(line.split()[-1]))

        # The queue moves: `move` fans admitted in one go, everyone else moves up by `move`.
        await asyncio.gather(*(w.ask({"cmd": "mark", "by": a.move}) for w in procs))
        before_stream = await redis.call("XRANGE", "hns:events:queue", "-", "+")
        known = {e[0] for e in before_stream or []}
        await put({"state": "open", "admission_per_minute": a.move * 60, "max_active_windows": a.move})
        await asyncio.sleep(a.move_wait)
        results = await asyncio.gather(*(w.ask({"cmd": "collect"}) for w in procs))
        stream = await redis.call("XRANGE", "hns:events:queue", "-", "+")
        granted = {}
        for entry_id, fields in stream or []:
            if entry_id in known:
                continue
            f = dict(zip(fields[::2], fields[1::2]))
            if f.get("type") == "queue.turn_granted":
                granted[f["queue_id"]] = int(f["at"])
        t_move = max(granted.values()) if granted else None
        turn_lat = [t - granted[q] for r in results for q, t in r["turns"] if q in granted]
        admitted_expected = sum(r["admitted_expected"] for r in results)
        waits = [h for r in results for _, h in r["waiting"]]
        missing = sum(1 for h in waits if h is None)
        fresh = [h - t_move for h in waits if h is not None] if t_move else []
        for w in procs:
            w.proc.stdin.write(b'{"cmd":"quit"}\n')
        for w in procs:
            try:
                await asyncio.wait_for(w.proc.wait(), 10)
            except asyncio.TimeoutError:
                w.proc.kill()

    mem_per = (sum(rss_after) - sum(rss_before)) * 1024 / max(1, held)
    rows = [
        ("concurrent sockets held", f"{held:,} of {a.sockets:,} (server count {server_sockets:,}; "
                                    f"{positioned:,} had a position; opened in {connect_s:.1f} s)", "100,000"),
        ("resident memory per socket", f"{mem_per / 1024:.1f} KiB (RSS {sum(rss_before) // 1024:,} -> "
                                       f"{sum(rss_after) // 1024:,} MiB over {len(pids)} processes)", "<= 10 KiB"),
        ("join throughput", f"{joined / join_s:,.0f} joins/s ({joined:,} in {join_s:.1f} s, {join_errors} errors; "
                            f"p50 {pct([j['p50'] for j in joins], 50):.1f} ms, worst worker p99 "
                            f"{max(j['p99'] for j in joins):.1f} ms)", ">= 5,000/s"),
        ("admission tick -> admitted fans", f"{len(granted)} admitted; your_turn p50 {pct(turn_lat, 50):.0f} ms, "
                                            f"p99 {pct(turn_lat, 99):.0f} ms, max {max(turn_lat, default=float('nan')):.0f} ms "
                                            f"({len(turn_lat)}/{admitted_expected} sockets heard it)", ""),
        ("fresh position after the move", f"p50 {pct(fresh, 50) / 1000:.2f} s, p99 {pct(fresh, 99) / 1000:.2f} s, "
                                          f"max {max(fresh, default=float('nan')) / 1000:.2f} s; "
                                          f"{missing:,} of {len(waits):,} waiting sockets not updated within "
                                          f"{a.move_wait:.0f} s", "every socket <= 5 s"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, goal in rows:
        print(f"  {name:<{width}}  {value}" + (f"   [goal {goal}]" if goal else ""))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["coordinator", "worker"])
    p.add_argument("--queues", required=True)
    p.add_argument("--match", default="900001")
    p.add_argument("--secret", required=True)
    p.add_argument("--issuer", required=True)
    p.add_argument("--audience", required=True)
    p.add_argument("--ips", type=int, default=8)
    p.add_argument("--index", type=int, default=0)
    p.add_argument("--pids", default="")
    p.add_argument("--redis-port", type=int, default=6379)
    p.add_argument("--service-token", default="")
    p.add_argument("--sockets", type=int, default=10000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--join-conc", type=int, default=64)
    p.add_argument("--connect-conc", type=int, default=200)
    p.add_argument("--move", type=int, default=500)
    p.add_argument("--move-wait", type=float, default=15)
    p.add_argument("--settle", type=float, default=8)
    a = p.parse_args()
    if uvloop:
        uvloop.install()
    asyncio.run(worker_main(a) if a.role == "worker" else coordinator(a))


if __name__ == "__main__":
    main()
