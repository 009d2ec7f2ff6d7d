"""The gates' export and the attendance import of hns-ticketing against their references.

  bench.py run --url URL --pid PID --small M --large M --raw M --dir DIR -- PSQL...
      M are matches with issued tickets (bench/access/seed.sql): SMALL (6,000) and LARGE (60,000)
      are exported through the API and, from the same query, by openpyxl's write-only mode (the
      reference); LARGE's attendance file (every code scanned once) is imported through the API,
      RAW's own file by psql (COPY into a temporary table and one UPDATE ... FROM, the reference).
      Prints one JSON object.
  bench.py openpyxl PATH
      Reads CSV rows on stdin and writes them to PATH with openpyxl's write-only workbook; prints its
      peak RSS.

The API is called with an admin token minted as bench/inventory/loadgen.py mints it (environment
HNS_IDENTITY_ISSUER, HNS_IDENTITY_AUDIENCE, HNS_IDENTITY_HS256_SECRET).
"""

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "inventory"))
from loadgen import loopback, token  # noqa: E402

COLUMNS = ["barcode", "ticket_id", "sector", "row", "seat", "gate", "price_category", "holder_name", "state"]
# What the export reads, as one query: the reference writes exactly these rows.
QUERY = """SELECT t.barcode, t.id, t.sector_code, t.row_label, t.seat_label, s.gate, s.price_category, t.holder_name, t.status
FROM tickets.tickets t JOIN inventory.sectors s ON s.match_id = t.match_id AND s.code = t.sector_code
WHERE t.match_id = {m} AND t.status IN ('issued', 'activated') ORDER BY t.unit_id"""
# Every code scanned once, a few a second from 19:00 Zagreb time, at its sector's gate.
ATTENDANCE = """SELECT t.barcode AS barcode,
       to_char(timestamp '2030-05-01 19:00' + (row_number() OVER (ORDER BY t.unit_id)) * interval '60 ms', 'YYYY-MM-DD HH24:MI:SS') AS scanned_at,
       s.gate AS gate
FROM tickets.tickets t JOIN inventory.sectors s ON s.match_id = t.match_id AND s.code = t.sector_code
WHERE t.match_id = {m} AND t.status IN ('issued', 'activated') ORDER BY t.unit_id"""


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    # Linux: writing 5 resets the process's peak RSS (VmHWM) to its current RSS.
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def api(url, path, method="GET", body=None):
    headers = {"Authorization": "Bearer " + token("bench-admin", admin=True)}
    if body is not None:
        headers["Content-Type"] = "text/csv"
    return urllib.request.Request(url + path, data=body, method=method, headers=headers)


def export(a, match, path):
    reset_peak(a.pid)
    t0 = time.monotonic()
    with urllib.request.urlopen(api(a.url, f"/api/v1/admin/matches/{match}/access-export"), timeout=600) as r, open(path, "wb") as f:
        while chunk := r.read(1 << 16):
            f.write(chunk)
    seconds = time.monotonic() - t0
    return {"seconds": seconds, "peak_rss_kb": peak_rss_kb(a.pid), "bytes": os.path.getsize(path)}


def reference(a, match, path):
    t0 = time.monotonic()
    dump = subprocess.Popen(a.psql + ["-d", "hns", "-c", "\\copy (" + QUERY.format(m=match) + ") TO STDOUT WITH CSV"],
                            stdout=subprocess.PIPE)
    writer = subprocess.run([sys.executable, os.path.abspath(__file__), "openpyxl", path], stdin=dump.stdout,
                            capture_output=True, check=True)
    dump.stdout.close()
    if dump.wait() != 0:
        raise SystemExit("psql failed")
    seconds = time.monotonic() - t0
    return {"seconds": seconds, "peak_rss_kb": json.loads(writer.stdout)["peak_rss_kb"], "bytes": os.path.getsize(path)}


def rows_in(path):
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True)
    return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))


def cmd_openpyxl(a):
    import openpyxl
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("codes")
    sheet.append(COLUMNS)
    for row in csv.reader(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")):
        sheet.append(row)
    book.save(a.path)
    print(json.dumps({"peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def cmd_run(a):
    a.url = loopback(a.url)
    out = {}
    for size, match in (("small", a.small), ("large", a.large)):
        out[f"api_{size}"] = export(a, match, os.path.join(a.dir, f"api-{size}.xlsx"))
        out[f"openpyxl_{size}"] = reference(a, match, os.path.join(a.dir, f"openpyxl-{size}.xlsx"))
    out["api_large"]["rows_read_back"] = rows_in(os.path.join(a.dir, "api-large.xlsx"))

    files = {}
    for name, match in (("api", a.large), ("raw", a.raw)):
        files[name] = os.path.join(a.dir, f"attendance-{name}.csv")
        subprocess.run(a.psql + ["-d", "hns", "-c", "\\copy (" + ATTENDANCE.format(m=match) + f") TO '{files[name]}' WITH CSV HEADER"],
                       check=True)
    with open(files["api"], "rb") as f:
        body = f.read()
    t0 = time.monotonic()
    with urllib.request.urlopen(api(a.url, f"/api/v1/admin/matches/{a.large}/attendance", "POST", body), timeout=600) as r:
        report = json.loads(r.read())
    out["import_api"] = {"seconds": time.monotonic() - t0, "rows": report["rows"], "marked_used": report["marked_used"],
                         "people_awarded": report["loyalty"]["people_awarded"], "bytes": len(body)}
    script = f"""BEGIN;
CREATE TEMP TABLE scans (barcode text, scanned_at text, gate text);
\\copy scans FROM '{files["raw"]}' WITH CSV HEADER
UPDATE tickets.tickets t SET status = 'used', used_at = s.scanned_at::timestamp AT TIME ZONE 'Europe/Zagreb', used_gate = s.gate
FROM scans s WHERE t.match_id = {a.raw} AND t.barcode = s.barcode AND t.status IN ('issued', 'activated');
COMMIT;
"""
    t0 = time.monotonic()
    subprocess.run(a.psql + ["-d", "hns"], input=script.encode(), check=True, capture_output=True)
    out["import_raw"] = {"seconds": time.monotonic() - t0}
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--url", required=True)
    r.add_argument("--pid", type=int, required=True)
    r.add_argument("--small", type=int, required=True)
    r.add_argument("--large", type=int, required=True)
    r.add_argument("--raw", type=int, required=True)
    r.add_argument("--dir", required=True)
    r.add_argument("psql", nargs=argparse.REMAINDER)
    o = sub.add_parser("openpyxl")
    o.add_argument("path")
    a = p.parse_args()
    if a.cmd == "run":
        a.psql = [x for x in a.psql if x != "--"]
    globals()["cmd_" + a.cmd](a)


if __name__ == "__main__":
    main()
