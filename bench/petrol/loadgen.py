#!/usr/bin/env python3
"""HTTP side of scripts/bench-petrol: fans' PIN requests, then Petrol tills selling them at once.

  loadgen.py requests --url U --match ID --count N --sectors 30 --people 2 --out FILE
      N fans (one token each) ask for a PIN for `--people` holders (valid, distinct OIBs) in sectors
      S1..S<sectors> in turn, 50 at a time; writes the PINs to FILE. Prints {"ok", "statuses", "wall"}.
  loadgen.py tills --url U --pins FILE --tills 200 --seconds S --pace P --pay Y
      200 tills (one clerk and station each, one connection each) take PINs from the shared list and
      sell each: POST /api/v1/petrol/pins/{pin}/hold, Y seconds taking the money, then …/confirm with
      a payment reference; a till starts a sale every P seconds (0: flat out), the tills spread over
      the first P seconds, until the list is empty or S seconds passed. Prints {"sales", "wall",
      "rate", "p50_ms"/"p99_ms" (hold sent to confirmation answered, the payment's Y included),
      "hold_p99_ms", "confirm_p99_ms" (each request alone), "statuses", "errors"}.
Tokens are HS256 JWTs minted as bench/inventory/loadgen.py does; a clerk's carries `petrol_station`.
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


def jwt(claims):
    signing = inv.HEADER + b"." + inv.b64(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(os.environ["HNS_IDENTITY_HS256_SECRET"].encode(), signing, hashlib.sha256).digest()
    return (signing + b"." + inv.b64(sig)).decode()


def claims(sub, roles, **extra):
    now = int(time.time())
    return {"iss": os.environ["HNS_IDENTITY_ISSUER"], "aud": os.environ["HNS_IDENTITY_AUDIENCE"], "sub": sub, "roles": roles,
            "amr": ["pwd"], "iat": now, "exp": now + 3600, **extra}


async def cmd_requests(a):
    base = random.randrange(1_000_000_000, 8_000_000_000)
    statuses, pins, errors = Counter(), [], []
    gate = asyncio.Semaphore(50)

    async def one(s, n):
        token = jwt(claims(f"petrol-fan-{inv.RUN}-{n}", ["customer"], email=f"petrol-fan-{n}@bench.invalid"))
        people = [{"first_name": "Petrol", "last_name": f"Kupac{n}x{k}", "date_of_birth": "1990-05-05",
                   "oib": pur.oib(base + n * a.people + k), "nationality": "HR"} for k in range(a.people)]
        body = {"match_id": a.match, "sector": f"S{n % a.sectors + 1}", "attendees": people}
        async with gate:
            async with s.post(f"{a.url}/api/v1/petrol/pin-requests", data=json.dumps(body),
                              headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"}) as r:
                text = await r.text()
                statuses[str(r.status)] += 1
                if r.status == 201:
                    pins.append(json.loads(text)["pin"])
                elif len(errors) < 5:
                    errors.append(f"{r.status} {text[:300]}")

    t0 = time.monotonic()
    async with inv.session(50) as s:
        await asyncio.gather(*(one(s, n) for n in range(a.count)))
    with open(a.out, "w") as f:
        json.dump(pins, f)
    print(json.dumps({"ok": len(pins), "statuses": dict(statuses), "wall": time.monotonic() - t0, "errors": errors}))


async def cmd_tills(a):
    pins = json.load(open(a.pins))
    random.shuffle(pins)
    latencies, holds, confirms, statuses, errors = [], [], [], Counter(), []
    start = asyncio.Event()
    deadline = [0.0]

    async def till(s, k):
        token = jwt(claims(f"clerk-{inv.RUN}-{k}", ["petrol_staff"], petrol_station=f"ST-{k}"))
        headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        await start.wait()
        if a.pace > 0:
            await asyncio.sleep(random.uniform(0, a.pace))
        while pins and time.monotonic() < deadline[0]:
            pin = pins.pop()
            t0 = time.monotonic()
            body = {"terminal_id": f"T-{k}"}
            async with s.post(f"{a.url}/api/v1/petrol/pins/{pin}/hold", data=json.dumps(body), headers=headers) as r:
                text = await r.text()
                statuses["hold " + str(r.status)] += 1
                if r.status != 200:
                    if len(errors) < 10:
                        errors.append(f"hold {r.status} {text[:300]}")
                    continue
            holds.append(time.monotonic() - t0)
            await asyncio.sleep(a.pay)
            body["payment_reference"] = f"PET-{inv.RUN}-{pin}"
            t1 = time.monotonic()
            async with s.post(f"{a.url}/api/v1/petrol/pins/{pin}/confirm", data=json.dumps(body), headers=headers) as r:
                text = await r.text()
                statuses["confirm " + str(r.status)] += 1
                if r.status == 200:
                    confirms.append(time.monotonic() - t1)
                    latencies.append(time.monotonic() - t0)
                elif len(errors) < 10:
                    errors.append(f"confirm {r.status} {text[:300]}")
            rest = min(a.pace - (time.monotonic() - t0), deadline[0] - time.monotonic())
            if rest > 0:
                await asyncio.sleep(rest)

    async with inv.session(a.tills) as s:
        tasks = [asyncio.create_task(till(s, k)) for k in range(a.tills)]
        await asyncio.sleep(0.5)
        t0 = time.monotonic()
        deadline[0] = t0 + a.seconds
        start.set()
        await asyncio.gather(*tasks)
        wall = time.monotonic() - t0
    sales = len(latencies)
    print(json.dumps({"sales": sales, "wall": wall, "rate": sales / wall if wall else 0,
                      "p50_ms": round(1000 * pur.pct(latencies, 50)) if latencies else None,
                      "p99_ms": round(1000 * pur.pct(latencies, 99)) if latencies else None,
                      "hold_p99_ms": round(1000 * pur.pct(holds, 99)) if holds else None,
                      "confirm_p99_ms": round(1000 * pur.pct(confirms, 99)) if confirms else None,
                      "statuses": dict(statuses), "errors": errors}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("requests")
    c.add_argument("--url", required=True, type=inv.loopback)
    c.add_argument("--match", type=int, required=True)
    c.add_argument("--count", type=int, default=2000)
    c.add_argument("--sectors", type=int, default=30)
    c.add_argument("--people", type=int, default=2)
    c.add_argument("--out", required=True)
    c = sub.add_parser("tills")
    c.add_argument("--url", required=True, type=inv.loopback)
    c.add_argument("--pins", required=True)
    c.add_argument("--tills", type=int, default=200)
    c.add_argument("--seconds", type=float, default=20)
    c.add_argument("--pace", type=float, default=5)
    c.add_argument("--pay", type=float, default=1)
    a = p.parse_args()
    if inv.uvloop is not None:
        inv.uvloop.install()
    asyncio.run(globals()["cmd_" + a.cmd](a))


if __name__ == "__main__":
    main()
