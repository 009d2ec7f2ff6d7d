#!/usr/bin/env python3
"""HTTP side of scripts/bench-quota: a quota created through hns-ticketing, then claims on it at once.

  loadgen.py create --url U --match ID --sectors S1,S2,... --quantity N --owner EMAIL
      POST /api/v1/admin/matches/{id}/quotas: N seats in each named sector, full price, deferred
      payment with a credit limit that never binds, a deadline a day away. Prints
      {"id", "seconds" (request to answer, client side), "seats"}.
  loadgen.py claims --url U --quota ID --count C --seats 2 --owner EMAIL
      C claims at once (one connection each, all sent together), each naming `--seats` ticket holders
      with valid, distinct OIBs and an Idempotency-Key; the quota is deferred, so each claim issues its
      tickets in its own transaction. Prints {"ok", "statuses", "wall", "rate", "p50_ms", "p99_ms"}.
Tokens are HS256 JWTs minted as bench/inventory/loadgen.py does; the owner's carries its email.
"""
import argparse
import asyncio
import hashlib
import hmac
import importlib.util
import json
import os
import random
import time
from collections import Counter

_spec = importlib.util.spec_from_file_location(
    "inventory_loadgen", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "inventory", "loadgen.py"))
inv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(inv)
_spec = importlib.util.spec_from_file_location(
    "purchase_loadgen", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "purchase", "loadgen.py"))
pur = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pur)


def owner_token(email):
    now = int(time.time())
    claims = {"iss": os.environ["HNS_IDENTITY_ISSUER"], "aud": os.environ["HNS_IDENTITY_AUDIENCE"], "sub": "quota-owner-" + inv.RUN,
              "email": email, "roles": ["quota_owner"], "amr": ["pwd"], "iat": now, "exp": now + 3600}
    signing = inv.HEADER + b"." + inv.b64(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(os.environ["HNS_IDENTITY_HS256_SECRET"].encode(), signing, hashlib.sha256).digest()
    return (signing + b"." + inv.b64(sig)).decode()


async def cmd_create(a):
    deadline = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    body = {"name": f"Bench partner {inv.RUN}", "owner_email": a.owner, "price": "full", "payment_mode": "deferred",
            "credit_limit_cents": 10 ** 11, "claim_deadline": deadline,
            "sectors": [{"sector": s, "quantity": a.quantity} for s in a.sectors.split(",")]}
    async with inv.session(2) as s:
        t0 = time.monotonic()
        created = await inv.admin_post(s, a.url, f"/api/v1/admin/matches/{a.match}/quotas", body)
        seconds = time.monotonic() - t0
    print(json.dumps({"id": created["id"], "seconds": seconds, "seats": created["counts"]["allocated"]}))


async def cmd_claims(a):
    token = owner_token(a.owner)
    base = random.randrange(1_000_000_000, 8_000_000_000)
    latencies, statuses, errors = [], Counter(), []
    start = asyncio.Event()

    async def one(s, n):
        people = [{"first_name": "Kvota", "last_name": f"Gost{n}x{k}", "date_of_birth": "1990-05-05",
                   "oib": pur.oib(base + n * a.seats + k), "nationality": "HR"} for k in range(a.seats)]
        headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json", "Idempotency-Key": f"claim-{inv.RUN}-{n}"}
        await start.wait()
        t0 = time.monotonic()
        for attempt in range(5):
            try:
                async with s.post(f"{a.url}/api/v1/quotas/{a.quota}/claims", data=json.dumps({"attendees": people}), headers=headers) as r:
                    text = await r.text()
                    if r.status >= 500 and attempt < 4:
                        continue
                    statuses[str(r.status)] += 1
                    if r.status == 201:
                        latencies.append(time.monotonic() - t0)
                    elif len(errors) < 10:
                        errors.append(f"{r.status} {text[:300]}")
                    return
            except Exception as e:  # a connection error: retried with the same key
                if attempt == 4:
                    statuses["error"] += 1
                    errors.append(repr(e)[:300])
                    return

    async with inv.session(a.count) as s:
        tasks = [asyncio.create_task(one(s, n)) for n in range(a.count)]
        await asyncio.sleep(0.5)
        t0 = time.monotonic()
        start.set()
        await asyncio.gather(*tasks)
        wall = time.monotonic() - t0
    ok = statuses.get("201", 0)
    print(json.dumps({"ok": ok, "statuses": dict(statuses), "wall": wall, "rate": ok / wall if wall else 0,
                      "p50_ms": round(1000 * pur.pct(latencies, 50)) if latencies else None,
                      "p99_ms": round(1000 * pur.pct(latencies, 99)) if latencies else None, "errors": errors}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create")
    c.add_argument("--url", required=True, type=inv.loopback)
    c.add_argument("--match", type=int, required=True)
    c.add_argument("--sectors", required=True)
    c.add_argument("--quantity", type=int, required=True)
    c.add_argument("--owner", required=True)
    c = sub.add_parser("claims")
    c.add_argument("--url", required=True, type=inv.loopback)
    c.add_argument("--quota", required=True)
    c.add_argument("--count", type=int, default=1000)
    c.add_argument("--seats", type=int, default=2)
    c.add_argument("--owner", required=True)
    a = p.parse_args()
    if inv.uvloop is not None:
        inv.uvloop.install()
    asyncio.run(globals()["cmd_" + a.cmd](a))


if __name__ == "__main__":
    main()
