#!/usr/bin/env python3
"""Count the CPU instructions the app spends per request, for /health and the API list.

    python benchmarks/instructions.py             # needs valgrind (apt-get install valgrind); ~8 minutes

Wall-clock and CPU times on a shared two-core machine swing by ±15 % from one minute to the next,
more than most single optimisations gain. Instructions counted by ``valgrind --tool=callgrind``
do not: the same code, data and requests give the same count, whatever else the machine does. So
this runs the app in-process (the WSGI callable, no HTTP server, no network) on the benchmark
database, twice per endpoint under callgrind (with a few and with many requests), and divides the
difference by the difference in requests: the instructions of one request, start-up excluded.

It counts the Python process only: PostgreSQL's share (its own process) and gunicorn's HTTP
handling (the same for both endpoints) are not in it; ``run.py`` measures the whole. Use it to
compare two versions of the code (``--app-dir`` of another checkout) on the same database.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = {
    "health": ("/health", "", False),
    "api": ("/api/v1/incidents", "per_page=50", True),
}
WARMUP = 30


def serve_in_process(app_dir: Path, url: str, endpoint: str, requests: int, token: str) -> None:
    """Run ``requests`` requests (after the warm-up) through the WSGI app of ``app_dir``."""
    sys.path.insert(0, str(app_dir))
    os.environ.update({"BIO_REGISTER_DATABASE_URL": url, "BIO_REGISTER_SECRET_KEY": "x" * 48,
                       "BIO_REGISTER_INSTANCE_PATH": tempfile.mkdtemp(prefix="bio-instr-"),
                       "BIO_REGISTER_MAIL": "off"})  # older checkouts ignore it
    from wsgi import app

    path, query, auth = ENDPOINTS[endpoint]
    statuses: list[str] = []

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        statuses.append(status)

    for _ in range(WARMUP + requests):
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
                   "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
                   "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
                   "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
                   "wsgi.multiprocess": True, "wsgi.run_once": False}
        if auth:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        body = app(environ, start_response)
        for _chunk in body:
            pass
        body.close()
    bad = [s for s in statuses if not s.startswith("200")]
    if bad:
        raise SystemExit(f"{path}: {len(bad)} responses were not 200 ({bad[0]})")


def count(app_dir: Path, url: str, endpoint: str, requests: int, token: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(  # noqa: S603
            [shutil.which("valgrind") or "valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/callgrind.out",
             sys.executable, __file__, "--internal", str(app_dir), url, endpoint, str(requests), token],
            capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if not found:
        raise SystemExit(f"valgrind gave no count:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BIO_BENCH_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/bio_bench"))
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout whose wsgi.py to measure")
    parser.add_argument("--few", type=int, default=20, help="requests in the short run (default 20)")
    parser.add_argument("--many", type=int, default=70, help="requests in the long run (default 70)")
    parser.add_argument("--internal", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.internal:
        app_dir, url, endpoint, requests, token = args.internal
        serve_in_process(Path(app_dir), url, endpoint, int(requests), token)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import setup_users

    token = setup_users(args.database_url)["token"]
    per_request = {}
    for endpoint in ENDPOINTS:
        print(f"Counting {endpoint} ({args.few} and {args.many} requests under callgrind) …", file=sys.stderr)
        few = count(args.app_dir, args.database_url, endpoint, args.few, token)
        many = count(args.app_dir, args.database_url, endpoint, args.many, token)
        per_request[endpoint] = (many - few) / (args.many - args.few)
    health, api = per_request["health"], per_request["api"]
    print("| checkout | /health | API list | /health ÷ API list |\n|---|---|---|---|")
    print(f"| {args.app_dir.name} | {health / 1e6:.2f} M | {api / 1e6:.2f} M | {health / api:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
