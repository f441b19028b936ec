#!/usr/bin/env python3
"""How close can the API list come to ``/health``? The floor under issue 23's throughput target.

    python benchmarks/floor.py                 # ~2 minutes on the database of benchmarks/generate.py
    python benchmarks/floor.py --rounds 5 --duration 30 --output benchmarks/README.md

``run.py`` measures ``GET /api/v1/incidents?per_page=50`` (``--per-page`` here) as a share of
``GET /health`` under the same gunicorn. This measures, in the same alternating rounds and the same
gunicorn (2 sync workers, wrk with 8 connections), what a request for that first page costs at the
least on this machine, with the probes of ``benchmarks/floor_app.py`` (which exist only in this benchmark):

- ``/health``: the reference (no database);
- ``/_floor/select1``: the application's request pipeline plus one prepared ``SELECT 1`` on a plain
  psycopg connection — one database round trip and nothing else;
- ``/_floor/list``: the application's pipeline plus the API list's first page for the middle-sized
  caller (the same 50 rows and columns, checked against the real API's ids) read and checked with
  the token in one prepared statement on a plain connection and encoded by orjson — no organisation
  tree, no total, no cursor, no query-string parsing: less work than the API must do;
- ``/_floor/list-bare``: the same work in a bare WSGI callable in front of Flask;
- ``GET /api/v1/incidents?per_page=50`` itself, for the middle-sized and the wide caller (as ``run.py``).

Each is given as requests per second and as a share of ``/health`` (the median of the rounds' ratios).
A probe below 50 % shows that no implementation of the API list inside that path can reach the
target on this machine. It makes (or resets) the benchmark users as ``run.py`` does, under the same
lock: one benchmark at a time per database. Needs ``wrk`` (``apt-get install wrk``).

``--app-cpus 0`` runs gunicorn and wrk on CPU 0 only: with PostgreSQL pinned to the other core, this
approximates a database server of its own (as in production), whose CPU the application's cores do
not pay. Pin it first (as root; new connections inherit the postmaster's CPUs) and undo it after::

    taskset -a -p -c 1 $(head -1 /var/lib/postgresql/15/main/postmaster.pid)
    python benchmarks/floor.py --app-cpus 0
    taskset -a -p -c 0,1 $(head -1 /var/lib/postgresql/15/main/postmaster.pid)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (benchmarks/run.py: the users, the server's start and wrk)


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
        return response.status, response.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BIO_BENCH_DATABASE_URL", run.DEFAULT_URL))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--duration", type=int, default=20,
                        help="seconds per endpoint, split over --rounds (default 20)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds (default 4)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--per-page", type=int, default=50, choices=range(1, 101), metavar="1..100",
                        help="the page size of the API list and the probes (default 50, as run.py)")
    parser.add_argument("--app-cpus", default="",
                        help="run gunicorn and wrk on these CPUs only (taskset -c, e.g. 0), to measure with "
                             "PostgreSQL on the other core(s): pin it yourself first, see the docstring")
    parser.add_argument("--label", default="", help="a note for the table's header")
    parser.add_argument("--output", type=Path, help="also append the Markdown table to this file")
    args = parser.parse_args(argv)
    api_path = f"/api/v1/incidents?per_page={args.per_page}"
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    print(f"Setting up benchmark users in {args.database_url.rsplit('/', 1)[-1]} …", file=sys.stderr)
    facts = run.setup_users(args.database_url)
    port = run._free_port()
    instance = tempfile.mkdtemp(prefix="bio-bench-floor-")
    env = {**os.environ, "BIO_REGISTER_DATABASE_URL": args.database_url,
           "BIO_REGISTER_SECRET_KEY": secrets.token_urlsafe(48), "BIO_REGISTER_INSTANCE_PATH": instance,
           "BIO_REGISTER_MAIL": "off", "PYTHONPATH": os.pathsep.join([str(HERE), str(run.ROOT)])}
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
                "--log-level", "warning", "floor_app:floor_app"]
    prefix = ("taskset", "-c", args.app_cpus) if args.app_cpus else ()
    gunicorn = [*prefix, *gunicorn]
    server = subprocess.Popen(gunicorn, cwd=run.ROOT, env=env, start_new_session=True)  # noqa: S603
    results: list[tuple[str, str, str]] = []
    try:
        run.wait_for(port)
        auth = {"Authorization": f"Bearer {facts['token']}"}
        wide = {"Authorization": f"Bearer {facts['wide_token']}"}
        # the probes read what the API returns: the same incidents, in the same order, every column
        _, api_body = get(port, api_path, auth)
        api_items = json.loads(api_body)["items"]
        for path in (f"/_floor/list?per_page={args.per_page}", f"/_floor/list-bare?per_page={args.per_page}"):
            status, body = get(port, path, auth)
            items = json.loads(body)["items"]
            if status != 200 or [i["id"] for i in items] != [i["id"] for i in api_items]:
                raise SystemExit(f"{path} does not read the API list's rows")
            if set(items[0]) != set(api_items[0]):
                raise SystemExit(f"{path} does not read the API list's columns: {set(items[0]) ^ set(api_items[0])}")
        sizes = {"api": len(api_body), "floor": len(get(port, f"/_floor/list?per_page={args.per_page}", auth)[1])}
        probes = [
            ("health", "GET /health (no database)", "/health", {}),
            ("select1", "application pipeline + one prepared SELECT 1 (plain psycopg)", "/_floor/select1", {}),
            ("list", "application pipeline + the first page in one prepared statement (plain psycopg, orjson)",
             f"/_floor/list?per_page={args.per_page}", auth),
            ("bare", "bare WSGI (no Flask) + the same statement and encoding",
             f"/_floor/list-bare?per_page={args.per_page}", auth),
            ("api", f"{api_path} (API user of {facts['middle']}, {facts['middle_incidents']:,} incidents)",
             api_path, auth),
            ("wide", f"{api_path} (API user of every organisation, {facts['incidents']:,} incidents)",
             api_path, wide),
        ]
        seconds = max(1, args.duration // args.rounds)
        rates: dict[str, list[float]] = {key: [] for key, *_ in probes}
        loads: dict[str, str] = {}
        print(f"wrk: {args.rounds} rounds × {seconds} s per endpoint, {args.connections} connections …",
              file=sys.stderr)
        for _ in range(args.rounds):
            for key, _what, path, headers in probes:
                rate, bad = run.throughput_wrk(f"http://127.0.0.1:{port}{path}", seconds, args.connections, headers,
                                               prefix)
                if bad:
                    raise SystemExit(f"{path}: {bad} responses were not 200")
                rates[key].append(rate)
                loads[key] = run.loadavg()
        for key, what, _path, _headers in probes:
            rate = statistics.median(rates[key])
            if key == "health":
                results.append((what, f"{rate:,.0f} req/s", loads[key]))
                continue
            ratios = sorted(a / h for a, h in zip(rates[key], rates["health"], strict=True))
            spread = f" (rounds {ratios[0]:.0%}–{ratios[-1]:.0%})" if len(ratios) > 1 else ""
            mark = " ✓" if statistics.median(ratios) >= run.API_TARGET else " ✗"
            results.append((what, f"{rate:,.0f} req/s = {statistics.median(ratios):.0%} of /health{spread}{mark}",
                            loads[key]))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker stuck on a busy machine
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        shutil.rmtree(instance, ignore_errors=True)

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (f"\n**{stamp}** — {run.machine()}; PostgreSQL {run.pg_version(args.database_url)}; "
              f"gunicorn {args.workers} sync workers; wrk {args.connections} connections, {args.rounds} × "
              f"{max(1, args.duration // args.rounds)} s per endpoint; first page {sizes['api']:,} bytes "
              f"(the probe's {sizes['floor']:,}){'; gunicorn and wrk on CPU ' + args.app_cpus if args.app_cpus else ''}"
              f"{'; ' + args.label if args.label else ''}\n\n")
    table = "| request | throughput | load average (1, 5, 15 min) |\n|---|---|---|\n"
    table += "".join(f"| {a} | {b} | {c} |\n" for a, b, c in results)
    print(header + table)
    if args.output:
        with args.output.open("a", encoding="utf-8") as fh:
            fh.write(header + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
