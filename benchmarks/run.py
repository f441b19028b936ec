#!/usr/bin/env python3
"""Measure BIO-register on a database filled by benchmarks/generate.py.

    python benchmarks/generate.py            # once: 350 organisations, 1,000,000 incidents (~5 min)
    python benchmarks/run.py                 # ~10 minutes; prints a Markdown table for benchmarks/README.md

What it does:

1. Makes (or resets) the benchmark users in the database, with random passwords, and API tokens:
   concern control (reads all organisations), a verbindingsofficier of G001 (the big municipality),
   an FG of G001-G005, an API user (verbindingsofficier) of a middle-sized municipality, a wide API
   user (concern control of SSO: reads every organisation) and a beheerder of SSO.
2. Starts gunicorn (``--workers``, default 2 = the cores of the reference machine) on 127.0.0.1 with
   the app on that database, logs the users in through the login form, and times each page
   --repeat times after --warmup untimed requests, one request at a time on a keep-alive
   connection (so the time is the server's time plus a loopback round trip): median and p95.
3. Generates one quarterly PDF for G001 (the last complete quarter) in a separate process: time
   and peak memory (max RSS of that process). Nothing is stored (rolled back).
4. Generates the quarterly report of every municipality (--all-reports-limit to do fewer), with a
   progress bar, in one process: total time. Rolled back per report.
5. Throughput under the same gunicorn: ``GET /health`` (the minimal JSON endpoint) and the
   authenticated ``GET /api/v1/incidents?per_page=50`` of the middle-sized API user and of the wide
   one, in --rounds alternating rounds that share --duration seconds per endpoint; each ratio is
   the median of the rounds' ratios.
   Uses ``wrk`` when it is installed (``apt-get install wrk``), else a threaded Python client
   (which needs CPU of its own on the same cores, so the ratio is then pessimistic).

Every measured row records the load average (``uptime``) at that moment: the machine may be
shared. One benchmark at a time per database: run.py, floor.py and instructions.py hold an advisory
lock on it while they run, and a second one stops at once with a message. The table is printed at
the end (and written to --output if given).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bio_bench"
USERS = {
    "cc": ("cc@bench.invalid", "Benchmark concern control", [("concern_control", "SSO")]),
    "vo": ("vo@bench.invalid", "Benchmark verbindingsofficier", [("verbindingsofficier", "G001")]),
    "fg": ("fg@bench.invalid", "Benchmark FG", [("fg", f"G{i:03d}") for i in range(1, 6)]),
    "api": ("api@bench.invalid", "Benchmark API", [("verbindingsofficier", "{middle}")]),
    # an API caller who reads every organisation (concern control holds incident:read everywhere)
    "apiwide": ("apiwide@bench.invalid", "Benchmark API, every organisation", [("concern_control", "SSO")]),
    "beh": ("beheerder@bench.invalid", "Benchmark beheerder", [("beheerder", "SSO")]),
}
SEARCH_WORD = "bewindvoerder"
#: the users with an API token, and the key of their token in setup_users' result
TOKENS = {"api": "token", "apiwide": "wide_token", "beh": "beh_token"}
#: the throughput target of the API list: its rate as a share of /health's (issue 23)
API_TARGET = 0.5
#: the parts of a run (``--skip``, ``--only``)
PARTS = ["pages", "pdf", "reports", "throughput", "audit", "people", "processing", "webhooks", "findings"]


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- in-process helpers (also run as subprocesses with --internal) -------------------------------------------

def make_app(url: str):
    os.environ["BIO_REGISTER_DATABASE_URL"] = url
    os.environ.setdefault("BIO_REGISTER_SECRET_KEY", secrets.token_urlsafe(48))
    from bio_register import create_app

    return create_app({"INSTANCE_PATH": tempfile.mkdtemp(prefix="bio-bench-")})


#: the PostgreSQL advisory lock a benchmark holds on its database while it runs (the first 8 bytes of
#: sha256(b"bio-register:benchmark"), as the scheduler makes its own): two runs on one database would
#: reset each other's users and tokens and time each other's load
BENCH_LOCK_KEY = int.from_bytes(hashlib.sha256(b"bio-register:benchmark").digest()[:8], "big", signed=True)
_bench_lock = None  # the connection that holds it, open as long as this process runs


def hold_benchmark_lock(url: str) -> None:
    """Take the benchmark lock of ``url``'s database for the rest of this process, or stop with a
    message saying another benchmark is running there (run.py, floor.py and instructions.py take it)."""
    global _bench_lock
    import psycopg

    if _bench_lock is not None:
        return
    connection = psycopg.connect(url, autocommit=True)
    if not connection.execute("SELECT pg_try_advisory_lock(%s)", (BENCH_LOCK_KEY,)).fetchone()[0]:
        connection.close()
        raise SystemExit(f"Another benchmark is running on {url.rsplit('/', 1)[-1]} (it holds the advisory lock "
                         f"{BENCH_LOCK_KEY}): wait until it is done.")
    _bench_lock = connection


def setup_users(url: str, deep_page: int = 2000) -> dict:
    """Create or reset the benchmark users; returns their passwords, the API token and facts. Takes
    the benchmark lock of the database first (:func:`hold_benchmark_lock`)."""
    hold_benchmark_lock(url)
    import pyotp
    from sqlalchemy import func, select

    from bio_register.accounts import services as accounts
    from bio_register.accounts import two_factor
    from bio_register.accounts.models import ApiToken, User
    from bio_register.extensions import db
    from bio_register.incidents.models import Incident
    from bio_register.organisations.models import Organisation
    from bio_register.reporting.services import previous_period

    app = make_app(url)
    out: dict = {"passwords": {}}
    with app.app_context():
        orgs = list(db.session.scalars(select(Organisation).where(Organisation.parent_id.is_not(None))
                                       .order_by(Organisation.code)))
        if not orgs:
            raise SystemExit("no municipalities: fill the database with benchmarks/generate.py first")
        middle = orgs[len(orgs) // 2].code
        for key, (email, name, roles) in USERS.items():
            password = secrets.token_urlsafe(18)
            user = accounts.find_user_by_email(email)
            if user is None:
                user = accounts.create_user(None, email, name, password, actor_label="benchmark")
            else:
                accounts.set_password(None, user, password, actor_label="benchmark")
            for role, code in roles:
                org = db.session.scalar(select(Organisation).where(Organisation.code == code.format(middle=middle)))
                accounts.grant_role(None, user, org, role, actor_label="benchmark")
            secret = None
            if two_factor.required_for(user):  # the FG logs in with a code from an authenticator app
                secret = user.totp_secret = pyotp.random_base32()
                user.totp_enabled_at, user.totp_last_step = dt.datetime.now(dt.UTC), None
            out["passwords"][key] = (email, password, secret)
            if key in TOKENS:
                for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
                    token.revoked_at = token.revoked_at or dt.datetime.now(dt.UTC)
                secret_token = accounts.create_token(None, user, "benchmark", 1, actor_label="benchmark").secret
                out[TOKENS[key]] = secret_token
        db.session.commit()
        period = previous_period("quarterly", dt.datetime.now(dt.UTC))
        big = db.session.scalar(select(Organisation).where(Organisation.code == "G001"))
        out["quarter"] = period.label
        out["big_in_quarter"] = db.session.scalar(select(func.count()).select_from(Incident).where(
            Incident.organisation_id == big.id, Incident.discovered_at >= period.start,
            Incident.discovered_at < period.end))
        out["incidents"] = db.session.scalar(select(func.count()).select_from(Incident))
        out["organisations"] = len(orgs)
        from bio_register.compliance.views import default_catalog

        catalog = default_catalog()
        out["catalog"] = catalog.key if catalog else "BIO2-1.3"
        out["middle"] = middle
        out["middle_incidents"] = db.session.scalar(select(func.count()).select_from(Incident).join(
            Organisation).where(Organisation.code == middle))
        out["big_incidents"] = db.session.scalar(select(func.count()).select_from(Incident).where(
            Incident.organisation_id == big.id))
        # the audit log: its size, one incident of G001 with its history, and a cursor a year deep
        from bio_register.audit.browse import Cursor
        from bio_register.audit.models import AuditEvent

        out["audit_events"] = db.session.scalar(select(func.count()).select_from(AuditEvent))
        out["users"] = db.session.scalar(select(func.count()).select_from(User))
        out["audit_incident"] = db.session.scalar(select(func.max(Incident.id)).where(
            Incident.organisation_id == big.id, Incident.discovered_at < period.start))
        # a datalek of G001 notified to the AP: its AP meldformulier and correspondence (issue 20)
        from bio_register.breaches.models import ApNotification

        out["ap_datalek"] = db.session.scalar(select(func.max(ApNotification.incident_id)).join(
            Incident, Incident.id == ApNotification.incident_id).where(Incident.organisation_id == big.id))
        # findings (bevindingen): how many, and one of G001 for its API page
        from bio_register.findings.models import Finding

        out["findings"] = db.session.scalar(select(func.count()).select_from(Finding)) or 0
        out["finding"] = db.session.scalar(select(func.max(Finding.id)).where(Finding.organisation_id == big.id)) or 1
        # the API's incident list a year deep: the cursor its next link would carry there
        from bio_register.paging import encode_cursor

        year_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
        out["incidents_deep_cursor"] = encode_cursor(["discovered", "desc", year_ago.isoformat(), 2**31 - 1])
        # the web list's deep page reached through its pager: the cursor of page 1999's "Volgende"
        # (after its last row), i.e. the same rows as page=deep_page of G001 by date
        from bio_register.incidents.views import PER_PAGE

        last = db.session.execute(
            select(Incident.discovered_at, Incident.id).where(Incident.organisation_id == big.id)
            .order_by(Incident.discovered_at.desc(), Incident.id.desc())
            .offset((deep_page - 1) * PER_PAGE - 1).limit(1)).one()
        out["web_deep_cursor"] = encode_cursor([
            "discovered", "desc", last.discovered_at.astimezone(dt.UTC).isoformat(timespec="microseconds"), last.id,
            "next", deep_page])
        # outgoing webhooks (issue 22): G001's first endpoint and the size of its delivery log
        from bio_register.notifications.models import OutboxMessage
        from bio_register.webhooks.models import WebhookEndpoint

        out["webhook"] = db.session.scalar(select(func.min(WebhookEndpoint.id)).where(
            WebhookEndpoint.organisation_id == big.id))
        out["webhook_deliveries"] = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.webhook_endpoint_id == out["webhook"])) if out["webhook"] else 0
        out["audit_deep_cursor"] = Cursor(dt.datetime.now(dt.UTC) - dt.timedelta(days=365), 2**62).encode()
    return out


def internal_report(url: str, scope: str, period: str) -> None:
    from bio_register.extensions import db
    from bio_register.reporting import services as reporting

    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        report = reporting.generate("quarterly", period, scope, actor_label="benchmark")
        seconds = time.perf_counter() - started
        size = report.size
        db.session.rollback()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "max_rss_mb": rss_mb, "pdf_bytes": size}))


def internal_all_reports(url: str, period: str, limit: int | None) -> None:
    from bio_register.extensions import db
    from bio_register.reporting import services as reporting

    app = make_app(url)
    with app.app_context():
        scopes = [o.code for o in reporting.municipalities()][:limit]
        db.session.rollback()
        started = time.perf_counter()
        for n, code in enumerate(scopes, 1):
            reporting.generate("quarterly", period, code, actor_label="benchmark")
            db.session.rollback()
            elapsed = time.perf_counter() - started
            bar = "#" * int(30 * n / len(scopes))
            sys.stderr.write(f"\r  quarterly reports [{bar:<30}] {n}/{len(scopes)} {elapsed:6.1f}s "
                             f"eta {elapsed / n * (len(scopes) - n):5.0f}s")
            sys.stderr.flush()
        sys.stderr.write("\n")
        seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "reports": len(scopes), "max_rss_mb": rss_mb}))


# --- HTTP ---------------------------------------------------------------------------------------------------

#: the TOTP step each secret last logged in with (see Client.login)
_TOTP_STEPS_USED: dict[str, int] = {}


class Client:
    """One keep-alive connection with a cookie jar of one session cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        return response.status, data

    def _post_form(self, path: str, fields: dict[str, str]) -> int:
        status, page = self.request("GET", path)
        match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            rb'name="csrf_token" value="([^"]+)"', page)
        if not match:
            raise SystemExit(f"no CSRF token on {path} (HTTP {status})")
        body = urlencode({"csrf_token": match.group(1).decode(), **fields})
        status, _page = self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        return status

    def login(self, email: str, password: str, totp_secret: str | None = None) -> None:
        """Log in with the login form (and the TOTP step, when the user has a second factor)."""
        if self._post_form("/login", {"email": email, "password": password}) != 302:
            raise SystemExit(f"login of {email} failed")
        if totp_secret is not None:  # the second step: a code from the authenticator app
            import pyotp

            # a code is accepted once (replay protection): a second login of the same user in the
            # same 30-second step waits for the next code
            step = int(time.time() // 30)
            if _TOTP_STEPS_USED.get(totp_secret) == step:
                time.sleep(30 - time.time() % 30 + 0.5)
            _TOTP_STEPS_USED[totp_secret] = int(time.time() // 30)
            if self._post_form("/login/totp", {"code": pyotp.TOTP(totp_secret).now()}) != 302:
                raise SystemExit(f"the TOTP step of {email} failed")
        status, _page = self.request("GET", "/account")
        if status != 200:
            raise SystemExit(f"{email} is not logged in after the login (HTTP {status} on /account)")


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def time_page(client: Client, path: str, repeat: int, warmup: int,
              headers: dict[str, str] | None = None) -> dict:
    for _ in range(warmup):
        status, _body = client.request("GET", path, headers=headers)
        if status != 200:
            raise SystemExit(f"GET {path}: HTTP {status} {_body[:300]!r}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        status, _body = client.request("GET", path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"GET {path}: HTTP {status} {_body[:300]!r}")
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"median_ms": statistics.median(times), "p95_ms": p95, "load": loadavg()}


def api_pages(facts: dict) -> list[tuple[str, str, dict[str, str]]]:
    """The API list timed one request at a time, for the middle-sized and the wide API user: the
    first page, and for the wide one a page a year deep (the cursor of a ``next`` link there) and
    the open incidents."""
    auth = {"Authorization": f"Bearer {facts['token']}"}
    wide = {"Authorization": f"Bearer {facts['wide_token']}"}
    path = "/api/v1/incidents?per_page=50"
    deep = f"{path}&cursor={facts['incidents_deep_cursor']}"
    return [
        (f"GET {path} (API user of {facts['middle']}, {facts['middle_incidents']:,} incidents)", path, auth),
        (f"GET {path} (API user of every organisation, {facts['incidents']:,} incidents)", path, wide),
        ("GET /api/v1/incidents, every organisation, a year deep (next)", deep, wide),
        ("GET /api/v1/incidents?open=true, every organisation", f"{path}&open=true", wide),
        ("GET /api/v1/organisations/G001/ensia (the ENSIA werkbestand's rows, last year)",
         f"/api/v1/organisations/G001/ensia?year={dt.date.today().year - 1}", wide),
        ("GET /api/v1/organisations/G001/annual-report-paragraph (the jaarverslag paragraph, last year)",
         f"/api/v1/organisations/G001/annual-report-paragraph?year={dt.date.today().year - 1}", wide),
    ]


def throughput_wrk(url: str, duration: int, connections: int, headers: dict[str, str],
                   prefix: tuple[str, ...] = ()) -> tuple[float, int]:
    cmd = [*prefix, "wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, int(bad.group(1)) if bad else 0


def throughput_python(port: int, path: str, duration: int, connections: int,
                      headers: dict[str, str]) -> tuple[float, int]:
    stop = time.monotonic() + duration
    counts = [0] * connections
    bad = [0] * connections

    def worker(i: int) -> None:
        client = Client(port)
        while time.monotonic() < stop:
            status, _ = client.request("GET", path, headers=headers)
            counts[i] += 1
            bad[i] += status != 200

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started), sum(bad)


# --- main ------------------------------------------------------------------------------------------------------

def machine() -> str:
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024 // 1024
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {mem} GB, {platform.system()} {platform.machine()}"


def pg_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BIO_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--port", type=int, default=0, help="port for gunicorn (default: a free one)")
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per page (default 40)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="untimed requests per page first, so every gunicorn worker has compiled its templates "
                             "and statements (default 10)")
    parser.add_argument("--duration", type=int, default=30,
                        help="seconds of throughput testing per endpoint, split over --rounds (default 30)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="alternating rounds of /health and the API list; the ratio is their median (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--deep-page", type=int, default=2000, help="page number of the deep page (default 2000)")
    parser.add_argument("--all-reports-limit", type=int, default=None,
                        help="generate only this many of the municipalities' reports (default: all)")
    parser.add_argument("--skip", action="append", default=[],
                        choices=PARTS,
                        help="leave out a part (repeatable)")
    parser.add_argument("--only", action="append", default=[],
                        choices=PARTS,
                        help="run only this part (repeatable): the others are skipped")
    parser.add_argument("--page", action="append", default=[], metavar="TEXT",
                        help="time only the pages of the pages part whose description contains TEXT "
                             "(repeatable, case-insensitive; e.g. --page FG --page Search)")
    parser.add_argument("--label", default="", help="a note for the table's rows (e.g. 'after keyset')")
    parser.add_argument("--output", type=Path, help="also append the Markdown table to this file")
    parser.add_argument("--internal", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.only:
        args.skip = sorted(set(PARTS) - set(args.only))

    def wanted(what: str) -> bool:
        return not args.page or any(text.lower() in what.lower() for text in args.page)

    if args.internal:
        kind, *rest = args.internal
        if kind == "report":
            internal_report(args.database_url, rest[0], rest[1])
        elif kind == "all":
            internal_all_reports(args.database_url, rest[0], int(rest[1]) if len(rest) > 1 else None)
        return 0

    print(f"Setting up benchmark users in {args.database_url.rsplit('/', 1)[-1]} …", file=sys.stderr)
    facts = setup_users(args.database_url, args.deep_page)
    results: list[tuple[str, str, str, str]] = []   # what, result, target, load

    def add(what: str, result: str, target: str, load: str) -> None:
        results.append((what, result, target, load))
        print(f"  {what}: {result} (target {target}; load {load})", file=sys.stderr)

    port = args.port or _free_port()
    instance = tempfile.mkdtemp(prefix="bio-bench-gunicorn-")
    env = {**os.environ, "BIO_REGISTER_DATABASE_URL": args.database_url,
           "BIO_REGISTER_SECRET_KEY": secrets.token_urlsafe(48), "BIO_REGISTER_INSTANCE_PATH": instance,
           "BIO_REGISTER_MAIL": "off"}  # production gunicorn: e-mail must be configured or switched off
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
                "--log-level", "warning", "wsgi:app"]
    print(f"Starting gunicorn ({args.workers} workers) on 127.0.0.1:{port} …", file=sys.stderr)
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    try:
        wait_for(port)
        time.sleep(1)
        if "pages" not in args.skip:
            clients = {}
            for key in ("cc", "vo", "fg", "api"):
                clients[key] = Client(port)
                clients[key].login(*facts["passwords"][key])
            pages = [
                ("Incident list, first page (G001, open, by date)", "cc",
                 "/incidenten?organisation=G001&status=open&sort=discovered&order=desc", 100),
                ("Incident list, verbindingsofficier G001 (all statuses)", "vo", "/incidenten", 100),
                (f"Deep page (G001, page {args.deep_page})", "cc",
                 f"/incidenten?organisation=G001&page={args.deep_page}", 100),
                (f"Deep page (G001, page {args.deep_page} through the pager's cursor)", "cc",
                 f"/incidenten?organisation=G001&cursor={facts['web_deep_cursor']}", 100),
                (f"Search '{SEARCH_WORD}' (all organisations)", "cc", f"/incidenten?q={SEARCH_WORD}", 100),
                (f"Search '{SEARCH_WORD}', verbindingsofficier of {facts['middle']} "
                 f"({facts['middle_incidents']:,} incidents)", "api", f"/incidenten?q={SEARCH_WORD}", 100),
                ("Search a reference (G001-…)", "cc", f"/incidenten?q=G001-{dt.date.today().year - 1}-0042", 200),
                ("Dashboard with the 8-quarter chart, concern control", "cc", "/", 100),
                ("Dashboard with the 8-quarter chart, verbindingsofficier G001", "vo", "/", 100),
                ("FG overview (datalekken, 5 organisations)", "fg", "/datalekken", 100),
                ("FG overview, filtered (overdue, by deadline)", "fg", "/datalekken?stand=te_laat", 100),
                ("FG overview, search and sort by melding (all states)", "fg",
                 "/datalekken?stand=&q=lek&sort=gemeld&order=desc", 100),
                ("FG overview, one organisation and a year, by discovery", "fg",
                 f"/datalekken?stand=&organisation=G001&period_from={dt.date.today().year - 1}-01-01"
                 f"&period_until={dt.date.today().year - 1}-12-31&sort=ontdekt&order=desc", 100),
                ("Meldingen of the FG (overdue datalekken)", "fg", "/meldingen", 100),
                ("Compliance overview with its chart, all organisations", "cc", "/compliance", 100),
                ("Compliance of G001 with its charts (per theme, 8 quarters)", "cc",
                 f"/compliance/G001/{facts['catalog']}", 100),
                ("Statement of applicability G001, filtered (theme 5, not implemented, search)", "cc",
                 "/compliance/G001/BIO2-1.3/vvt?thema=5&implementatie=niet&q=5", 100),
                ("Control page G001 5.24.03 (maatregelen, previous/next in the filter)", "cc",
                 "/compliance/G001/BIO2-1.3/5.24.03?thema=5", 100),
                ("ENSIA werkbestand G001 (XLSX, last year)", "cc",
                 f"/compliance/G001/BIO2-1.3/ensia.xlsx?jaar={dt.date.today().year - 1}", 100),
                # the diff against the version before the newest BIO2 one; trivial until a second BIO2
                # version is loaded (none is published after 1.3), then every measure of both versions
                ("Catalogus bijwerken G001 (changes against the earlier version)", "cc",
                 f"/compliance/G001/{facts['catalog']}/bijwerken", 100),
                ("Jaarcijfers G001 with the jaarverslag paragraph (last year)", "cc",
                 f"/jaarcijfers?organisatie=G001&jaar={dt.date.today().year - 1}", 100),
                ("Incident page with its one timeline (G001)", "cc", f"/incidenten/{facts['audit_incident']}", 100),
                ("Datalek page with the AP form's completeness and the AP correspondence (G001)", "fg",
                 f"/incidenten/{facts['ap_datalek']}/datalek", 100),
                ("Copy for the AP meldformulier (G001)", "fg",
                 f"/incidenten/{facts['ap_datalek']}/datalek/ap-formulier", 100),
            ]
            print("Timing pages …", file=sys.stderr)
            api_client = Client(port)
            for what, path, headers in api_pages(facts):
                if not wanted(what):
                    continue
                r = time_page(api_client, path, args.repeat, args.warmup, headers=headers)
                ok = " ✓" if r["p95_ms"] <= 100 else " ✗"
                add(what, f"median {r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms{ok}", "p95 ≤ 100 ms", r["load"])
            for what, who, path, target in pages:
                if not wanted(what):
                    continue
                r = time_page(clients[who], path, args.repeat, args.warmup)
                ok = "" if target is None else (" ✓" if r["p95_ms"] <= target else " ✗")
                add(what, f"median {r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms{ok}",
                    f"p95 ≤ {target} ms" if target else "—", r["load"])
        if "audit" not in args.skip:
            beheerder = Client(port)
            beheerder.login(*facts["passwords"]["beh"])
            auth = {"Authorization": f"Bearer {facts['beh_token']}"}
            one = facts["audit_incident"]
            deep = facts["audit_deep_cursor"]
            audit_pages = [
                ("Audit-log page, beheerder (all organisations)", "/beheer/auditlog", None),
                ("Audit-log page, filtered on G001", "/beheer/auditlog?organisation=G001", None),
                ("Audit-log page, one incident's history", f"/beheer/auditlog?entity=incident&entity_id={one}", None),
                ("Audit-log page, G001, a year deep (cursor)", f"/beheer/auditlog?organisation=G001&cursor={deep}",
                 None),
                ("GET /api/v1/audit-events?organisation=G001&per_page=50",
                 "/api/v1/audit-events?organisation=G001&per_page=50", auth),
                ("GET /api/v1/audit-events (one incident)",
                 f"/api/v1/audit-events?entity=incident&entity_id={one}", auth),
                ("GET /api/v1/audit-events (all, a year deep, cursor)",
                 f"/api/v1/audit-events?per_page=50&cursor={deep}", auth),
            ]
            print(f"Timing the audit log ({facts['audit_events']:,} events) …", file=sys.stderr)
            for what, path, headers in audit_pages:
                r = time_page(beheerder, path, args.repeat, args.warmup, headers=headers)
                ok = " ✓" if r["p95_ms"] <= 100 else " ✗"
                add(f"{what} ({facts['audit_events']:,} events)",
                    f"median {r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms{ok}", "p95 ≤ 100 ms", r["load"])
        if "people" not in args.skip:
            beheerder = Client(port)
            beheerder.login(*facts["passwords"]["beh"])
            auth = {"Authorization": f"Bearer {facts['beh_token']}"}
            deep = max(1, -(-facts["users"] // 50))  # the users page shows 50 a page
            people_pages = [
                ("Users page, beheerder of every organisation", "/gebruikers", None),
                ("Users page, search 'g001'", "/gebruikers?q=g001", None),
                (f"Users page, page {deep} (the last)", f"/gebruikers?page={deep}", None),
                ("GET /api/v1/users?per_page=50", "/api/v1/users?per_page=50", auth),
            ]
            print(f"Timing the users pages ({facts['users']:,} users) …", file=sys.stderr)
            for what, path, headers in people_pages:
                r = time_page(beheerder, path, args.repeat, args.warmup, headers=headers)
                ok = " ✓" if r["p95_ms"] <= 100 else " ✗"
                add(f"{what} ({facts['users']:,} users)",
                    f"median {r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms{ok}", "p95 ≤ 100 ms", r["load"])
        if "processing" not in args.skip:
            fg = Client(port)
            fg.login(*facts["passwords"]["fg"])
            auth = {"Authorization": f"Bearer {facts['beh_token']}"}
            processing_pages = [
                ("Verwerkingsregister, FG of G001-G005", "/verwerkingen", None),
                ("Verwerkingsregister, filtered (actief, wettelijke verplichting, search)",
                 "/verwerkingen?status=actief&legal_basis=wettelijke_verplichting&q=jeugd", None),
                ("Verwerkers, FG of G001-G005 (agreements needing attention first)", "/verwerkers", None),
                ("GET /api/v1/organisations/G001/processing-activities?per_page=50",
                 "/api/v1/organisations/G001/processing-activities?per_page=50", auth),
                ("GET /api/v1/organisations/G001/processors", "/api/v1/organisations/G001/processors", auth),
                ("Templates for recurring datalekken, FG of G001-G005", "/datalekken/sjablonen", None),
                ("GET /api/v1/organisations/G001/breach-templates?per_page=50",
                 "/api/v1/organisations/G001/breach-templates?per_page=50", auth),
                ("Playbooks of G001 (own, inherited and shipped)", "/draaiboeken?organisation=G001", None),
                ("GET /api/v1/organisations/G001/playbooks", "/api/v1/organisations/G001/playbooks", auth),
            ]
            print("Timing the verwerkingsregister …", file=sys.stderr)
            for what, path, headers in processing_pages:
                r = time_page(fg, path, args.repeat, args.warmup, headers=headers)
                ok = " ✓" if r["p95_ms"] <= 100 else " ✗"
                add(what, f"median {r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms{ok}", "p95 ≤ 100 ms", r["load"])
        if "webhooks" not in args.skip and facts.get("webhook"):
            beheerder = Client(port)
            beheerder.login(*facts["passwords"]["beh"])
            auth = {"Authorization": f"Bearer {facts['beh_token']}"}
            hook = facts["webhook"]
            webhook_pages = [
                ("Webhooks of G001 (beheerder)", "/organisaties/G001/webhooks", None),
                (f"Webhook of G001 with its delivery log ({facts['webhook_deliveries']:,} deliveries)",
                 f"/organisaties/G001/webhooks/{hook}", None),
                ("GET /api/v1/organisations/G001/webhooks", "/api/v1/organisations/G001/webhooks", auth),
                ("GET /api/v1/organisations/G001/webhooks/{id}/deliveries?per_page=50",
                 f"/api/v1/organisations/G001/webhooks/{hook}/deliveries?per_page=50", auth),
            ]
            print("Timing the webhooks …", file=sys.stderr)
            for what, path, headers in webhook_pages:
                r = time_page(beheerder, path, args.repeat, args.warmup, headers=headers)
                ok = " ✓" if r["p95_ms"] <= 100 else " ✗"
                add(what, f"median {r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms{ok}", "p95 ≤ 100 ms", r["load"])
        if "findings" not in args.skip:
            fg, cc = Client(port), Client(port)
            fg.login(*facts["passwords"]["fg"])
            cc.login(*facts["passwords"]["cc"])
            auth = {"Authorization": f"Bearer {facts['beh_token']}"}
            finding_pages = [
                ("Bevindingen, FG of G001-G005", fg, "/bevindingen", None),
                ("Bevindingen, concern control (all organisations)", cc, "/bevindingen", None),
                ("Bevindingen, filtered (open, overdue re-test, IT-audit)", cc,
                 "/bevindingen?status=openstaand&overdue=y&source=it_audit", None),
                ("Bevindingen of G001, search", cc, "/bevindingen?organisation=G001&q=mfa", None),
                ("GET /api/v1/organisations/G001/findings?per_page=50",
                 cc, "/api/v1/organisations/G001/findings?per_page=50", auth),
                ("GET /api/v1/organisations/G001/findings?overdue=true", cc,
                 "/api/v1/organisations/G001/findings?overdue=true", auth),
                (f"GET /api/v1/findings/{facts['finding']}", cc, f"/api/v1/findings/{facts['finding']}", auth),
            ]
            print(f"Timing the findings ({facts['findings']:,}) …", file=sys.stderr)
            for what, client, path, headers in finding_pages:
                r = time_page(client, path, args.repeat, args.warmup, headers=headers)
                ok = " ✓" if r["p95_ms"] <= 100 else " ✗"
                add(what, f"median {r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms{ok}", "p95 ≤ 100 ms", r["load"])
        if "pdf" not in args.skip:
            print(f"One quarterly PDF (G001, {facts['quarter']}, {facts['big_in_quarter']} incidents) …",
                  file=sys.stderr)
            out = subprocess.run([sys.executable, __file__, "--database-url", args.database_url, "--internal",  # noqa: S603
                                  "report", "G001", facts["quarter"]], capture_output=True, text=True, check=True,
                                 env=env)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            ok = " ✓" if r["seconds"] <= 2 and r["max_rss_mb"] <= 300 else " ✗"
            add(f"Quarterly PDF, G001 {facts['quarter']} ({facts['big_in_quarter']:,} incidents)",
                f"{r['seconds']:.2f} s, max RSS {r['max_rss_mb']:.0f} MB{ok}", "≤ 2 s, ≤ 300 MB", loadavg())
        if "reports" not in args.skip:
            print("All municipalities' quarterly reports …", file=sys.stderr)
            cmd = [sys.executable, __file__, "--database-url", args.database_url, "--internal", "all",
                   facts["quarter"]]
            if args.all_reports_limit:
                cmd.append(str(args.all_reports_limit))
            out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True, env=env)  # noqa: S603
            r = json.loads(out.stdout.strip().splitlines()[-1])
            ok = " ✓" if r["seconds"] <= 600 * r["reports"] / max(facts["organisations"], 1) else " ✗"
            add(f"All quarterly reports ({r['reports']} municipalities)",
                f"{r['seconds']:.0f} s ({r['seconds'] / max(r['reports'], 1):.2f} s each), "
                f"max RSS {r['max_rss_mb']:.0f} MB{ok}", "≤ 600 s for 350", loadavg())
        if "throughput" not in args.skip:
            auth = {"Authorization": f"Bearer {facts['token']}"}
            wide = {"Authorization": f"Bearer {facts['wide_token']}"}
            api_path = "/api/v1/incidents?per_page=50"
            use_wrk = shutil.which("wrk") is not None
            tool = "wrk" if use_wrk else "Python threads"
            print(f"Throughput ({tool}, {args.connections} connections, {args.duration} s each) …", file=sys.stderr)
            check = Client(port)
            for headers in (auth, wide):
                status, body = check.request("GET", api_path, headers=headers)
                if status != 200:
                    raise SystemExit(f"API list: HTTP {status}: {body[:200]!r}")
            # Alternating rounds (health, API, wide API, health, …) and the median of the rounds'
            # ratios: on a shared machine the load drifts during a run, and long back-to-back
            # windows would compare the endpoints under different loads.
            seconds = max(1, args.duration // args.rounds)
            rates: dict[str, list[float]] = {"health": [], "api": [], "wide": []}
            loads: dict[str, str] = {}
            for _ in range(args.rounds):
                for name, path, headers in (("health", "/health", {}), ("api", api_path, auth),
                                            ("wide", api_path, wide)):
                    if use_wrk:
                        rate, bad = throughput_wrk(f"http://127.0.0.1:{port}{path}", seconds,
                                                   args.connections, headers)
                    else:
                        rate, bad = throughput_python(port, path, seconds, args.connections, headers)
                    if bad:
                        raise SystemExit(f"{path}: {bad} responses were not 200")
                    rates[name].append(rate)
                    loads[name] = loadavg()
            add(f"Throughput GET /health ({tool}, {args.rounds} × {seconds} s)",
                f"{statistics.median(rates['health']):,.0f} req/s", "—", loads["health"])
            for name, who in (("api", f"API user of {facts['middle']}, {facts['middle_incidents']:,} incidents"),
                              ("wide", f"API user of every organisation, {facts['incidents']:,} incidents")):
                ratios = sorted(a / h for a, h in zip(rates[name], rates["health"], strict=True))
                ratio = statistics.median(ratios)
                spread = f" (rounds {ratios[0]:.0%}–{ratios[-1]:.0%})" if len(ratios) > 1 else ""
                add(f"Throughput GET {api_path} ({who})",
                    f"{statistics.median(rates[name]):,.0f} req/s = {ratio:.0%} of /health{spread}"
                    f"{' ✓' if ratio >= API_TARGET else ' ✗'}", f"≥ {API_TARGET:.0%} of /health", loads[name])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(instance, ignore_errors=True)

    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (f"\n**{stamp}** — {machine()}; PostgreSQL {pg_version(args.database_url)}; "
              f"{facts['incidents']:,} incidents in {facts['organisations']} municipalities "
              f"(G001: {facts['big_incidents']:,}); gunicorn {args.workers} sync workers"
              f"{'; ' + args.label if args.label else ''}\n\n")
    table = "| measurement | result | target | load average (1, 5, 15 min) |\n|---|---|---|---|\n"
    table += "".join(f"| {a} | {b} | {c} | {d} |\n" for a, b, c, d in results)
    print(header + table)
    if args.output:
        with args.output.open("a", encoding="utf-8") as fh:
            fh.write(header + table)
    return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
