"""Round trips of read-only API requests on PostgreSQL, with and without ``read_without_transaction``.

Two applications on the same benchmark database, one with the reads-without-a-transaction hook
(as production runs) and one without, answer the same read-only API requests in-process (no HTTP),
in alternating rounds. Per request it counts the transaction commands psycopg sends (``BEGIN``,
``COMMIT``, ``ROLLBACK``: each one round trip to the server) and the SQL statements, and times the
request (median). Run from the root of a checkout on a database made by ``generate.py``::

    python benchmarks/roundtrips.py [--database-url URL] [--requests 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import collections
import os
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bio_bench"
PATHS = ("/api/v1/incidents?per_page=50", "/api/v1/organisations")
TRANSACTION_COMMANDS = (b"BEGIN", b"COMMIT", b"ROLLBACK")

commands: collections.Counter[str] = collections.Counter()


def _count_transaction_commands() -> None:
    from psycopg._connection_base import BaseConnection

    original = BaseConnection._exec_command

    def counting(self: Any, command: Any, result_format: Any = 0) -> Iterator[Any]:
        text = command if isinstance(command, bytes) else str(command).encode()
        for word in TRANSACTION_COMMANDS:
            if text.upper().startswith(word):
                commands[word.decode()] += 1
        return original(self, command, result_format)

    BaseConnection._exec_command = counting  # type: ignore[method-assign]


def _application(url: str, *, hook: bool) -> Any:
    import bio_register.database as database
    from bio_register import create_app

    original = database.read_without_transaction
    if not hook:
        database.read_without_transaction = lambda engine: None  # type: ignore[assignment]
    try:
        return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32)})
    finally:
        database.read_without_transaction = original  # type: ignore[assignment]


def _token(app: Any) -> str:
    from sqlalchemy import select

    from bio_register.accounts import services as accounts
    from bio_register.extensions import db
    from bio_register.organisations.models import Organisation

    with app.app_context():
        email = "roundtrips@benchmark.bio-register.nl"
        user = accounts.find_user_by_email(email) or accounts.create_user(
            None, email, "Benchmark Verbindingsofficier", secrets.token_urlsafe(18), actor_label="benchmark")
        organisation = db.session.scalar(select(Organisation).where(Organisation.code == "G002"))
        accounts.grant_role(None, user, organisation, "verbindingsofficier", actor_label="benchmark")  # idempotent
        secret = accounts.create_token(None, user, "roundtrips", 1, actor_label="benchmark").secret
        db.session.commit()
        return str(secret)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BIO_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=200, help="requests per path and round (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args()
    _count_transaction_commands()
    apps = {"without the hook": _application(args.database_url, hook=False),
            "with the hook": _application(args.database_url, hook=True)}
    token = _token(apps["with the hook"])
    headers = {"Authorization": f"Bearer {token}"}
    results: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    counted: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for _ in range(args.rounds):
        for label, app in apps.items():
            client = app.test_client()
            for path in PATHS:
                for _ in range(5):  # warm-up
                    assert client.get(path, headers=headers).status_code == 200
                commands.clear()
                for _ in range(args.requests):
                    started = time.perf_counter()
                    response = client.get(path, headers=headers)
                    results[label, path].append(time.perf_counter() - started)
                    assert response.status_code == 200, response.status_code
                counted[label, path].update(commands)
    print("| request | hook | BEGIN | COMMIT | ROLLBACK | median |")
    print("|---|---|---|---|---|---|")
    total = args.requests * args.rounds
    for path in PATHS:
        for label in apps:
            count = counted[label, path]
            print(f"| `GET {path}` | {label} | {count['BEGIN'] / total:.2f} | {count['COMMIT'] / total:.2f} "
                  f"| {count['ROLLBACK'] / total:.2f} | {statistics.median(results[label, path]) * 1000:.2f} ms |")


if __name__ == "__main__":
    main()
