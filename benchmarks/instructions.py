#!/usr/bin/env python3
"""Count the CPU instructions the app spends per request: /health, the API and the incident pages.

    python benchmarks/instructions.py                                # all requests, this checkout (valgrind)
    python benchmarks/instructions.py --app-dir ../old --app-dir .   # before and after, one table
    python benchmarks/instructions.py --requests health api         # only some requests

Wall-clock and CPU times on a shared two-core machine swing by ±15 % from one minute to the next,
more than most single optimisations gain. Instructions counted by ``valgrind --tool=callgrind``
do not: the same code, data and requests give the same count, whatever else the machine does. So
this runs the app in-process (the WSGI callable, no HTTP server, no network) on the benchmark
database, twice per request under callgrind (with a few and with many requests), and divides the
difference by the difference in requests: the instructions of one request, start-up, warm-up and
log-in excluded. The measured processes run with ``PYTHONHASHSEED=0``.

The requests (``--requests``; every response must be 200):

- ``health``: ``GET /health`` (minimal JSON, no database);
- ``api``: ``GET /api/v1/incidents?per_page=50`` with the API token of the benchmark API user
  (a verbindingsofficier of the middle-sized municipality, see ``run.py``);
- ``api-wide``: the same with the token of the wide API user (concern control of SSO: every
  organisation, so the total is past the exact count's bound: the bounded count and the estimate);
- ``api-one``: ``GET /api/v1/incidents/<id>``, one incident of that municipality;
- ``list``: ``GET /incidenten`` as the verbindingsofficier of G001 (HTML, session cookie);
- ``page``: ``GET /incidenten/<id>``, one incident of G001, as the same user.

The incident of ``api-one`` and ``page`` is the newest datalek of that organisation with an FG
assessment, a timeline entry and a maatregel (so the page shows every part), else its newest
incident. The HTML requests log in once through the login form, in the measured process before
the warm-up (so it is in both the few and the many run and cancels out), and then send the
session cookie as a browser would (updated from each response's ``Set-Cookie``).

It counts the Python process only: PostgreSQL's share (its own process) and gunicorn's HTTP
handling are not in it; ``run.py`` measures the whole. ``--app-dir`` (repeatable) measures other
checkouts on the same database: each must have ``wsgi.py`` at its root; with two, the table gets a
change column (the last against the first). ``--repeat`` runs each count more than once and
reports the median; ``--keep DIR`` keeps the callgrind files for ``callgrind_annotate``.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
#: name: (label, path, query string, authentication: "", "token" or "session")
ENDPOINTS = {
    "health": ("`GET /health`", "/health", "", ""),
    "api": ("`GET /api/v1/incidents?per_page=50` (API token)", "/api/v1/incidents", "per_page=50", "token"),
    "api-wide": ("`GET /api/v1/incidents?per_page=50` (API token, every organisation)", "/api/v1/incidents",
                 "per_page=50", "wide-token"),
    "api-one": ("`GET /api/v1/incidents/<id>` (API token)", "/api/v1/incidents/{api_incident}", "", "token"),
    "list": ("`GET /incidenten` (verbindingsofficier of G001)", "/incidenten", "", "session"),
    "page": ("`GET /incidenten/<id>` (verbindingsofficier of G001)", "/incidenten/{vo_incident}", "", "session"),
}
WARMUP = 30
#: the newest datalek with every part on its page, else the newest incident, of an organisation
INCIDENT_SQL = """
SELECT i.id FROM incidents i JOIN organisations o ON o.id = i.organisation_id
WHERE o.code = :code
ORDER BY (i.is_datalek
          AND EXISTS (SELECT 1 FROM breach_assessments b WHERE b.incident_id = i.id)
          AND EXISTS (SELECT 1 FROM timeline_entries t WHERE t.incident_id = i.id)
          AND EXISTS (SELECT 1 FROM measure_incidents m WHERE m.incident_id = i.id)) DESC,
         i.discovered_at DESC, i.id DESC
LIMIT 1
"""


class InProcessClient:
    """Calls a WSGI app directly, like one browser (or API client) on one address."""

    def __init__(self, app: object) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def call(self, method: str, path: str, query: str = "", body: bytes = b"",
             content_type: str = "") -> tuple[str, list[tuple[str, str]], bytes]:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
                   "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
                   "HTTP_HOST": "127.0.0.1", "HTTP_USER_AGENT": "bio-register-instructions",
                   "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
                   "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
                   "wsgi.run_once": False, **self.headers}
        if body:
            environ.update({"CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": content_type})
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response: list = []

        def start_response(status: str, headers: list, exc_info: object = None) -> None:
            response[:] = [status, headers]

        chunks = self.app(environ, start_response)  # type: ignore[operator]
        try:
            data = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        status, headers = response
        for name, value in headers:
            if name.lower() == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
        return status, headers, data

    def login(self, email: str, password: str) -> None:
        """Log in through the form, as run.py's HTTP client does (the CSRF token from the page)."""
        _status, _headers, page = self.call("GET", "/login")
        match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            rb'name="csrf_token" value="([^"]+)"', page)
        if not match:
            raise SystemExit("no CSRF token on /login")
        body = urlencode({"csrf_token": match.group(1).decode(), "email": email, "password": password}).encode()
        status, _headers, _data = self.call("POST", "/login", body=body,
                                            content_type="application/x-www-form-urlencoded")
        if not status.startswith("302"):
            raise SystemExit(f"the login of {email} failed: {status}")


def serve_in_process(app_dir: Path, url: str, endpoint: str, requests: int, path: str) -> None:
    """Run ``requests`` requests (after log-in and warm-up) through the WSGI app of ``app_dir``."""
    sys.path.insert(0, str(app_dir))
    os.environ.update({"BIO_REGISTER_DATABASE_URL": url, "BIO_REGISTER_SECRET_KEY": "x" * 48,
                       "BIO_REGISTER_INSTANCE_PATH": tempfile.mkdtemp(prefix="bio-instr-"),
                       "BIO_REGISTER_MAIL": "off"})  # older checkouts ignore it
    import bio_register
    from wsgi import app

    if not Path(bio_register.__file__).resolve().is_relative_to(app_dir.resolve()):
        raise SystemExit(f"bio_register was imported from {bio_register.__file__}, not from {app_dir}")

    _label, _path, query, auth = ENDPOINTS[endpoint]
    client = InProcessClient(app)
    if auth == "token":
        client.headers["HTTP_AUTHORIZATION"] = f"Bearer {os.environ['BIO_INSTR_TOKEN']}"
    elif auth == "wide-token":
        client.headers["HTTP_AUTHORIZATION"] = f"Bearer {os.environ['BIO_INSTR_WIDE_TOKEN']}"
    elif auth == "session":
        client.login(os.environ["BIO_INSTR_EMAIL"], os.environ["BIO_INSTR_PASSWORD"])
    bad = []
    for _ in range(WARMUP + requests):
        status, _headers, _data = client.call("GET", path, query)
        if not status.startswith("200"):
            bad.append(status)
    if bad:
        raise SystemExit(f"{path}: {len(bad)} responses were not 200 ({bad[0]})")


def count(app_dir: Path, url: str, endpoint: str, requests: int, path: str, env: dict[str, str],
          keep: Path | None) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out_file = Path(tmp) / "callgrind.out"
        out = subprocess.run(  # noqa: S603
            [shutil.which("valgrind") or "valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
             sys.executable, __file__, "--internal", str(app_dir), url, endpoint, str(requests), path],
            capture_output=True, text=True, env=env)
        if out.returncode:
            raise SystemExit(f"{endpoint} in {app_dir} failed:\n{out.stderr[-3000:]}")
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(out_file, keep / f"callgrind.{app_dir.resolve().name}.{endpoint}.{requests}")
    found = re.search(r"Collected : (\d+)", out.stderr)
    if not found:
        raise SystemExit(f"valgrind gave no count:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def facts(url: str) -> dict[str, str]:
    """Reset the benchmark users (run.py) and choose the incidents; what the measured processes need."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import setup_users
    from sqlalchemy import create_engine, text

    users = setup_users(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        api_incident = conn.scalar(text(INCIDENT_SQL), {"code": users["middle"]})
        vo_incident = conn.scalar(text(INCIDENT_SQL), {"code": "G001"})
    engine.dispose()
    email, password, _secret = users["passwords"]["vo"]
    return {"BIO_INSTR_TOKEN": users["token"], "BIO_INSTR_WIDE_TOKEN": users["wide_token"],
            "BIO_INSTR_EMAIL": email, "BIO_INSTR_PASSWORD": password,
            "api_incident": str(api_incident), "vo_incident": str(vo_incident), "middle": users["middle"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BIO_BENCH_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/bio_bench"))
    parser.add_argument("--app-dir", type=Path, action="append",
                        help="a checkout whose wsgi.py to measure (repeatable; default this checkout)")
    parser.add_argument("--requests", nargs="+", choices=list(ENDPOINTS), default=list(ENDPOINTS),
                        help="which requests to count (default all)")
    parser.add_argument("--few", type=int, default=20, help="requests in the short run (default 20)")
    parser.add_argument("--many", type=int, default=70, help="requests in the long run (default 70)")
    parser.add_argument("--repeat", type=int, default=1, help="count each this many times, report the median")
    parser.add_argument("--keep", type=Path, help="keep the callgrind output files in this directory")
    parser.add_argument("--internal", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.internal:
        app_dir, url, endpoint, requests, path = args.internal
        serve_in_process(Path(app_dir), url, endpoint, int(requests), path)
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    app_dirs = args.app_dir or [ROOT]
    for app_dir in app_dirs:
        if not (app_dir / "wsgi.py").is_file():
            raise SystemExit(f"{app_dir} has no wsgi.py")

    known = facts(args.database_url)
    env = {**os.environ, "PYTHONHASHSEED": "0", **{k: v for k, v in known.items() if k.startswith("BIO_")}}
    print(f"API user of {known['middle']}; incidents: {known['api_incident']} (API), "
          f"{known['vo_incident']} (G001 page)", file=sys.stderr)
    results: dict[tuple[str, Path], float] = {}
    for endpoint in args.requests:
        path = ENDPOINTS[endpoint][1].format(**known)
        for app_dir in app_dirs:
            runs = []
            for n in range(args.repeat):
                print(f"Counting {endpoint} in {app_dir} ({args.few} and {args.many} requests under callgrind, "
                      f"run {n + 1} of {args.repeat}) …", file=sys.stderr)
                few = count(app_dir, args.database_url, endpoint, args.few, path, env, args.keep)
                many = count(app_dir, args.database_url, endpoint, args.many, path, env, args.keep)
                runs.append((many - few) / (args.many - args.few))
                print(f"  {runs[-1] / 1e6:.3f} M instructions per request", file=sys.stderr)
            results[endpoint, app_dir] = statistics.median(runs)

    names = [str(app_dir) for app_dir in app_dirs]
    change = len(app_dirs) == 2
    print("| request | " + " | ".join(names) + (" | change |" if change else " |"))
    print("|---" * (len(app_dirs) + 1 + change) + "|")
    for endpoint in args.requests:
        counts = [results[endpoint, app_dir] for app_dir in app_dirs]
        row = f"| {ENDPOINTS[endpoint][0]} | " + " | ".join(f"{c / 1e6:.3f} M" for c in counts)
        print(row + (f" | {counts[1] / counts[0] - 1:+.1%} |" if change else " |"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
