#!/usr/bin/env python3
"""HTTP side of scripts/bench-inventory: stadium, matches and buyers through the hns-ticketing API.

  loadgen.py stadium --url U [--sectors 50 --rows 25 --seats 40]   import the template, print id and seats
  loadgen.py match --url U --stadium ID                            new HOME match on sale, print its id
  loadgen.py rate --url U --match ID --conc N --seconds T          closed loop of holds, JSON result
  loadgen.py sellout --url U --match ID --conc N                   hold every seat, JSON result

Tokens are HS256 JWTs minted here from HNS_IDENTITY_HS256_SECRET / _ISSUER / _AUDIENCE (the same
variables the daemon reads): the admin has roles ["admin"] and amr ["pwd","mfa"]; every hold
request is a new buyer (its own `sub`), so the per-buyer limit never binds. Every request is
POST /api/v1/matches/{id}/holds {"sector": "S<k>", "quantity": 2}. Only 127.0.0.1 is contacted.
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import uuid
from collections import Counter
from urllib.parse import urlparse

import aiohttp

try:
    import uvloop
except ImportError:
    uvloop = None

RUN = uuid.uuid4().hex[:8]
PRICES = {"CAT1": 6000, "CAT2": 4500, "CAT3": 3000, "CAT4": 2000}


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


HEADER = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())


def token(sub, admin=False):
    now = int(time.time())
    claims = {"iss": os.environ["HNS_IDENTITY_ISSUER"], "aud": os.environ["HNS_IDENTITY_AUDIENCE"], "sub": sub,
              "roles": ["admin"] if admin else ["customer"], "amr": ["pwd", "mfa"] if admin else ["pwd"],
              "iat": now, "exp": now + 3600}
    signing = HEADER + b"." + b64(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(os.environ["HNS_IDENTITY_HS256_SECRET"].encode(), signing, hashlib.sha256).digest()
    return (signing + b"." + b64(sig)).decode()


def loopback(url):
    if urlparse(url).hostname != "127.0.0.1":
        sys.exit(f"refusing non-loopback URL {url}")
    return url.rstrip("/")


def template(sectors, rows, seats):
    """`sectors` numbered sectors S1..Sn of `rows` x `seats`; snake order per sector (row 1 left to right,
    row 2 right to left, ...); price categories CAT1..CAT4 by stand."""
    out = []
    for k in range(1, sectors + 1):
        stand = ["North", "East", "South", "West"][(k - 1) % 4]
        rws = []
        snake = 0
        for r in range(1, rows + 1):
            numbers = list(range(1, seats + 1))
            order = numbers if r % 2 == 1 else list(reversed(numbers))
            row = {"label": str(r), "row_priority": r, "seats": []}
            for n in order:
                snake += 1
                row["seats"].append({"label": str(n), "number": n, "x": float(n), "y": float(r),
                                     "snake_order": snake, "accessible": False, "restricted_view": False})
            row["seats"].sort(key=lambda s: s["number"])
            rws.append(row)
        out.append({"code": f"S{k}", "name": f"Sector {k}", "stand": stand, "gate": f"G{(k - 1) % 8 + 1}",
                    "price_category": f"CAT{(k - 1) % 4 + 1}", "kind": "numbered", "rows": rws})
    return {"code": f"bench-{RUN}", "name": f"Bench ground {RUN}", "city": "Zagreb", "sectors": out}


def session(limit):
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit), cookie_jar=aiohttp.DummyCookieJar(),
                                 timeout=aiohttp.ClientTimeout(total=60))


async def admin_post(s, url, path, body):
    async with s.post(url + path, json=body, headers={"Authorization": "Bearer " + token("bench-admin", admin=True)}) as r:
        text = await r.text()
        if r.status not in (200, 201):
            sys.exit(f"POST {path}: HTTP {r.status} {text[:500]}")
        return json.loads(text)


async def cmd_stadium(a):
    async with session(4) as s:
        body = template(a.sectors, a.rows, a.seats)
        created = await admin_post(s, a.url, "/api/v1/admin/stadiums", body)
        print(created["id"], created["seat_count"])


async def cmd_match(a):
    async with session(4) as s:
        kickoff = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 30 * 86400))
        match = await admin_post(s, a.url, "/api/v1/admin/matches", {
            "competition": "Benchmark", "opponent": f"Inventory {RUN}", "venue_kind": "home", "venue": "Bench ground",
            "stadium_id": a.stadium, "kickoff": kickoff, "max_tickets_per_buyer": 50, "prices": PRICES})
        mid = match["id"]
        for state in ("published", "on_sale"):
            await admin_post(s, a.url, f"/api/v1/admin/matches/{mid}/state", {"state": state, "reason": "benchmark"})
        print(mid)


def slug(status, text):
    if status == 409:
        for name in ("not-enough-seats", "sold-out", "buyer-limit", "sector-closed"):
            if name in text:
                return f"409 {name}"
    return str(status)


async def hold(s, url, match, sector, buyer):
    body = json.dumps({"sector": f"S{sector}", "quantity": 2})
    headers = {"Authorization": "Bearer " + token(buyer), "Content-Type": "application/json"}
    async with s.post(f"{url}/api/v1/matches/{match}/holds", data=body, headers=headers) as r:
        text = await r.text()
        return slug(r.status, text), text


async def cmd_rate(a):
    """N buyers in a closed loop for `seconds`, each request a random sector (like pgbench's random())."""
    import random
    counts = Counter()
    stop = time.monotonic() + a.seconds
    ok_in_window = 0

    async def buyer(i, s):
        nonlocal ok_in_window
        k = 0
        while time.monotonic() < stop:
            k += 1
            st, _ = await hold(s, a.url, a.match, random.randint(1, a.sectors), f"api-{RUN}-{i}-{k}")
            counts[st] += 1
            if st == "201" and time.monotonic() <= stop:
                ok_in_window += 1

    async with session(a.conc + 4) as s:
        t0 = time.monotonic()
        stop = t0 + a.seconds
        await asyncio.gather(*(buyer(i, s) for i in range(a.conc)))
        elapsed = time.monotonic() - t0
    print(json.dumps({"conc": a.conc, "ok": ok_in_window, "rate": ok_in_window / a.seconds, "elapsed": elapsed,
                      "statuses": dict(counts)}))


async def cmd_sellout(a):
    """N buyers, each starting in its own sector and moving on when a sector answers not-enough-seats
    (or 503: every candidate locked by other buyers);
    a buyer stops when it found every sector empty in a row, or the match says sold out."""
    counts = Counter()
    done_at = []

    async def buyer(i, s):
        sector = i % a.sectors
        empty = 0
        k = 0
        while empty < a.sectors:
            k += 1
            st, _ = await hold(s, a.url, a.match, sector + 1, f"api-{RUN}-{i}-{k}")
            counts[st] += 1
            if st == "201":
                empty = 0
            elif st == "409 not-enough-seats":
                empty += 1
                sector = (sector + 1) % a.sectors
            elif st == "409 sold-out":
                break
            elif st == "503":  # contention: every candidate locked by other buyers (after 3 tries); next sector
                sector = (sector + 1) % a.sectors
            else:
                raise SystemExit(f"unexpected answer {st}")
        done_at.append(time.monotonic())

    async with session(a.conc + 4) as s:
        t0 = time.monotonic()
        await asyncio.gather(*(buyer(i, s) for i in range(a.conc)))
    print(json.dumps({"conc": a.conc, "ok": counts["201"], "seconds": max(done_at) - t0,
                      "first_done": min(done_at) - t0, "statuses": dict(counts)}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("stadium", "match", "rate", "sellout"):
        c = sub.add_parser(name)
        c.add_argument("--url", required=True, type=loopback)
        c.add_argument("--sectors", type=int, default=50)
        if name == "stadium":
            c.add_argument("--rows", type=int, default=25)
            c.add_argument("--seats", type=int, default=40)
        if name == "match":
            c.add_argument("--stadium", type=int, required=True)
        if name in ("rate", "sellout"):
            c.add_argument("--match", type=int, required=True)
            c.add_argument("--conc", type=int, required=True)
        if name == "rate":
            c.add_argument("--seconds", type=float, required=True)
    a = p.parse_args()
    if uvloop is not None:
        uvloop.install()
    asyncio.run(globals()["cmd_" + a.cmd](a))


if __name__ == "__main__":
    main()
