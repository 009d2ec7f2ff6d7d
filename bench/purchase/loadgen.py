#!/usr/bin/env python3
"""HTTP side of scripts/bench-purchase: whole purchases through hns-ticketing until the match is sold out.

  loadgen.py purchase --url U --match ID --conc N --sectors S [--limit 300 --wait 10 | --wait 0 --poll 0.1]

N buyers at once; each purchase is a new buyer (its own JWT `sub`, so the per-buyer limit never binds):
  1. POST /api/v1/matches/{id}/holds {"sector":"S<k>","quantity":2}; each buyer starts in its own
     sector and moves to the next on 409 not-enough-seats (or 503: every candidate locked); it stops
     once every sector refused in a row, or on 409 sold-out;
  2. POST /api/v1/orders {"hold_id", "attendees": [two people with valid OIBs, distinct in the run]};
  3. POST /api/v1/orders/{id}/payment (the simulator confirms the PaymentIntent by itself and sends
     the signed payment_intent.succeeded webhook: router -> bus -> hns-ticketing);
  4. with --wait W (seconds, > 0): the buyer asks GET /api/v1/orders/{id}?wait=W (a long poll that
     answers when the order settles) until its state is tickets_issued (it then starts its next
     purchase) or final; with --wait 0 the order joins a pending set that one poller task reads with
     GET /api/v1/orders/{id} every --poll seconds instead.
Steps 2 and 3 carry an Idempotency-Key and are retried on 5xx and connection errors. Hold to
issued is measured from just before the hold request to the answer that shows the tickets (when
polling, it includes up to one poll interval). Everything stops at --limit seconds whatever happened. Prints one
JSON object. Tokens: HS256 JWTs minted as bench/inventory/loadgen.py does (same module).
"""
import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import random
import resource
import sys
import time
from collections import Counter

_spec = importlib.util.spec_from_file_location(
    "inventory_loadgen", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "inventory", "loadgen.py"))
inv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(inv)

RUN = inv.RUN
FINAL_BAD = {"expired", "cancelled", "payment_failed"}


def oib(n):
    """10 digits of n (zero-padded) and the ISO 7064 MOD 11,10 check digit (as the Swift OIB helper)."""
    ten = f"{n % 10_000_000_000:010d}"
    a = 10
    for ch in ten:
        a = (a + int(ch)) % 10
        if a == 0:
            a = 10
        a = (a * 2) % 11
    check = 11 - a
    return ten + str(0 if check == 10 else check)


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


class Bench:
    def __init__(self, a):
        self.a = a
        self.counts = {"hold": Counter(), "order": Counter(), "payment": Counter(), "poll": Counter()}
        self.latencies = []      # hold request -> issued seen, seconds
        self.steps = {"hold": [], "order": [], "payment": []}
        self.pending = {}        # order id -> (token, t_hold, future)
        self.person = random.randrange(1_000_000_000, 8_000_000_000)  # OIB base for this run
        self.completed = 0
        self.failed = Counter()
        self.unfinished = 0
        self.last_issued = None
        self.last_hold = None
        self.errors = []

    def note(self, text):
        if len(self.errors) < 20:
            self.errors.append(text[:400])

    def attendee(self):
        self.person += 1
        n = self.person
        return {"first_name": "Luka", "last_name": f"Perić{n % 100000}", "date_of_birth": f"19{70 + n % 30}-0{1 + n % 9}-1{n % 10}",
                "oib": oib(n), "nationality": "HR"}

    async def call(self, s, method, path, tok, step, body=None, key=None):
        """One request, retried on 5xx and connection errors (same key, same body)."""
        headers = {"Authorization": "Bearer " + tok}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        for attempt in range(8):
            try:
                async with s.request(method, self.a.url + path, data=data, headers=headers) as r:
                    text = await r.text()
                    status = r.status
            except (asyncio.TimeoutError, OSError, inv.aiohttp.ClientError) as e:
                self.counts[step][type(e).__name__] += 1
                await asyncio.sleep(0.05 * 2 ** attempt)
                continue
            tag = inv.slug(status, text) if step == "hold" else str(status)
            self.counts[step][tag] += 1
            if status >= 500:
                if step == "hold":  # contention: the caller moves on
                    return status, text
                await asyncio.sleep(0.05 * 2 ** attempt)
                continue
            return status, text
        return None, "gave up after 8 attempts"

    async def buyer(self, i, s, deadline):
        a = self.a
        sector = i % a.sectors
        refused = 0
        k = 0
        loop = asyncio.get_running_loop()
        while refused < a.sectors and time.monotonic() < deadline:
            k += 1
            sub = f"pb-{RUN}-{i}-{k}"
            tok = inv.token(sub)
            t0 = time.monotonic()
            st, text = await self.call(s, "POST", f"/api/v1/matches/{a.match}/holds", tok, "hold", {"sector": f"S{sector + 1}", "quantity": 2})
            if st == 201:
                refused = 0
                self.last_hold = time.monotonic()
                self.steps["hold"].append(self.last_hold - t0)
            elif st == 409 and "not-enough-seats" in text:
                refused += 1
                sector = (sector + 1) % a.sectors
                continue
            elif st == 409 and "sold-out" in text:
                break
            elif st == 503:
                sector = (sector + 1) % a.sectors
                continue
            else:
                self.note(f"hold: HTTP {st} {text}")
                await asyncio.sleep(0.1)
                continue
            hold_id = json.loads(text)["id"]

            t1 = time.monotonic()
            st, text = await self.call(s, "POST", "/api/v1/orders", tok, "order",
                                       {"hold_id": hold_id, "attendees": [self.attendee(), self.attendee()]}, key=f"order-{hold_id}")
            if st != 201:
                self.note(f"order for hold {hold_id}: HTTP {st} {text}")
                self.failed["order refused"] += 1
                continue
            self.steps["order"].append(time.monotonic() - t1)
            order_id = json.loads(text)["id"]

            t2 = time.monotonic()
            st, text = await self.call(s, "POST", f"/api/v1/orders/{order_id}/payment", tok, "payment", key=f"pay-{order_id}")
            if st != 201:
                self.note(f"payment of order {order_id}: HTTP {st} {text}")
                self.failed["payment refused"] += 1
                continue
            self.steps["payment"].append(time.monotonic() - t2)

            done = loop.create_future()
            self.pending[order_id] = (tok, t0, done)
            if a.wait > 0:
                while not done.done() and time.monotonic() < deadline:
                    asked = time.monotonic()
                    # Never past --limit: the last wait is cut to the time left.
                    await self.poll_one(s, order_id, None, wait=max(1, min(a.wait, int(deadline - asked))))
                    if not done.done() and time.monotonic() - asked < 0.5:
                        await asyncio.sleep(0.05)  # answered early with the order still open: no tight loop
                continue
            try:
                await asyncio.wait_for(done, timeout=max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                return

    async def poll_one(self, s, order_id, sem, wait=0):
        tok, t0, done = self.pending[order_id]
        url = f"{self.a.url}/api/v1/orders/{order_id}" + (f"?wait={wait}" if wait else "")
        try:
            async with (sem or contextlib.nullcontext()):
                async with s.get(url, headers={"Authorization": "Bearer " + tok}) as r:
                    text = await r.text()
                    status = r.status
        except (asyncio.TimeoutError, OSError, inv.aiohttp.ClientError) as e:
            self.counts["poll"][type(e).__name__] += 1
            await asyncio.sleep(0.05)
            return
        now = time.monotonic()
        self.counts["poll"][str(status)] += 1
        if status != 200:
            self.note(f"GET order {order_id}: HTTP {status} {text}")
            await asyncio.sleep(0.05)
            return
        body = json.loads(text)
        state = body.get("state")
        if state == "tickets_issued":
            self.pending.pop(order_id, None)
            if len(body.get("tickets") or []) != 2:
                self.failed["issued without 2 tickets"] += 1
                self.note(f"order {order_id} issued with tickets {body.get('tickets')}")
            self.completed += 1
            self.latencies.append(now - t0)
            self.last_issued = now
            if not done.done():
                done.set_result(True)
        elif state in FINAL_BAD:
            self.pending.pop(order_id, None)
            self.failed[f"order {state}"] += 1
            self.note(f"order {order_id} ended {state}")
            if not done.done():
                done.set_result(False)

    async def poller(self, s, stop):
        sem = asyncio.Semaphore(self.a.poll_conc)
        while not (stop.is_set() and not self.pending):
            t = time.monotonic()
            ids = list(self.pending)
            if ids:
                await asyncio.gather(*(self.poll_one(s, o, sem) for o in ids))
            await asyncio.sleep(max(0.005, self.a.poll - (time.monotonic() - t)))

    async def run(self):
        a = self.a
        async with inv.session(a.conc * 2 + 8) as s:
            t0 = time.monotonic()
            deadline = t0 + a.limit
            stop = asyncio.Event()
            # With --wait each buyer long-polls its own order; else one task polls every pending order.
            poller = asyncio.create_task(self.poller(s, stop)) if a.wait == 0 else None
            await asyncio.gather(*(self.buyer(i, s, deadline) for i in range(a.conc)))
            stop.set()
            try:
                if poller:
                    await asyncio.wait_for(poller, timeout=max(0.0, deadline - time.monotonic()) + 0.5)
            except asyncio.TimeoutError:
                pass
            self.unfinished = len(self.pending)
            end = time.monotonic()
        ru = resource.getrusage(resource.RUSAGE_SELF)
        wall = (self.last_issued or end) - t0
        ms = lambda v: None if v is None else round(v * 1000, 1)
        print(json.dumps({
            "conc": a.conc, "completed": self.completed, "seats": 2 * self.completed,
            "wall": wall, "rate": self.completed / wall if wall > 0 else 0,
            "timed_out": end - t0 >= a.limit, "elapsed": end - t0, "unfinished": self.unfinished,
            # Wall-clock time of the last issue, for the script's catch-up figure.
            "last_issued_epoch": time.time() - (end - (self.last_issued or end)),
            "last_hold": (self.last_hold - t0) if self.last_hold else None,
            "p50_ms": ms(pct(self.latencies, 50)), "p99_ms": ms(pct(self.latencies, 99)), "max_ms": ms(max(self.latencies, default=None)),
            "step_p50_ms": {k: ms(pct(v, 50)) for k, v in self.steps.items()},
            "step_p99_ms": {k: ms(pct(v, 99)) for k, v in self.steps.items()},
            "failed": dict(self.failed), "statuses": {k: dict(v) for k, v in self.counts.items()},
            "client_cpu_s": ru.ru_utime + ru.ru_stime, "errors": self.errors,
        }))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("purchase")
    c.add_argument("--url", required=True, type=inv.loopback)
    c.add_argument("--match", type=int, required=True)
    c.add_argument("--conc", type=int, default=32)
    c.add_argument("--sectors", type=int, default=30)
    c.add_argument("--limit", type=float, default=300, help="hard time limit, seconds")
    c.add_argument("--wait", type=int, default=10, choices=range(0, 31), metavar="0..30",
                   help="long poll: seconds each GET of a pending order may wait for it to settle (0: poll instead)")
    c.add_argument("--poll", type=float, default=0.1, help="with --wait 0: seconds between polls of a pending order")
    c.add_argument("--poll-conc", type=int, default=16, help="order polls in flight at once")
    a = p.parse_args()
    if inv.uvloop is not None:
        inv.uvloop.install()
    asyncio.run(Bench(a).run())


if __name__ == "__main__":
    main()
