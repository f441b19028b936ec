"""Scope follows the hierarchy: keep existing installations working (a data migration, no schema change).

From this version a role held in an organisation covers that organisation and every organisation
below it (``organisations.parent_id``), and nowhere else. Before it, ``beheerder`` and
``concern_control`` acted in *every* organisation of the installation wherever they were held; every
other role already stayed in its own organisation, and now covers more (the organisations below),
which takes nothing away from anyone.

What the narrowing of the two roles could break, and what this migration does about it:

* In each organisation tree (a top-level organisation and everything below it), for each of the two
  roles: when **nobody holds the role in the top-level organisation** but someone holds it lower down
  (a single-tenant install whose only beheerder was created as ``beheerder:DIE``), every holder of
  the role in that tree also gets it in the top-level organisation. They keep what they had in
  their tree, nobody is locked out of it, and concern control still covers the whole tree (the
  quarterly report for all of it). Each added membership is written to the audit log (actor
  "migratie 0013_hierarchy_scope"), so the hash chain stays whole and the change is visible.
* When someone already holds the role in the top-level organisation, holders lower down are left
  as they are and now cover their own part of the tree only. This is the point of the change (a
  beheerder of Diemen no longer manages the Duo+ beheerder); the top-level holder can give them more.
* Reach **across** trees is not carried over: that was the fault being fixed. A tree in which nobody
  holds ``beheerder`` at all is named in a warning in the migration's output; whoever runs the
  installation then gives someone the role there (``bio-register create-user --role beheerder:CODE``).

Downgrade changes nothing: under the old rule a beheerder or concern-control membership in a
top-level organisation means exactly what the lower one meant, so the added memberships are harmless
there (and removing them would need audit events of its own).

Revision ID: 0013_hierarchy_scope
Revises: 0011_covering_date_index
Create Date: 2026-12-03
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

import sqlalchemy as sa
from alembic import op

revision = "0013_hierarchy_scope"
down_revision = "0012_scheduler_heartbeats"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

ROLES = ("beheerder", "concern_control")
LABEL = "migratie 0013_hierarchy_scope"

organisations = sa.table("organisations", sa.column("id", sa.Integer), sa.column("code", sa.String),
                         sa.column("parent_id", sa.Integer))
users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
memberships = sa.table("memberships", sa.column("id", sa.Integer), sa.column("user_id", sa.Integer),
                       sa.column("organisation_id", sa.Integer), sa.column("role", sa.String),
                       sa.column("created_at", sa.DateTime(timezone=True)))
audit_events = sa.table(
    "audit_events", sa.column("seq", sa.BigInteger), sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer), sa.column("actor_label", sa.String),
    sa.column("organisation_id", sa.Integer), sa.column("entity", sa.String), sa.column("entity_id", sa.String),
    sa.column("action", sa.String), sa.column("changes", sa.Text), sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
chain_head = sa.table("audit_chain_head", sa.column("id", sa.Integer), sa.column("seq", sa.BigInteger),
                      sa.column("last_hash", sa.String))


def _event_hash(**fields: object) -> str:
    """The audit chain's hash, as ``bio_register.audit.services.event_hash`` computes it (a copy: a
    migration must not change when the application does)."""
    occurred_at = fields["occurred_at"]
    assert isinstance(occurred_at, dt.datetime)
    payload = json.dumps({**fields, "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds")},
                         sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _stored(moment: dt.datetime) -> dt.datetime:
    """How the application stores a timestamp: UTC, and naive on SQLite (which keeps no offset)."""
    return moment.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else moment


def _root(org_id: int, parents: dict[int, int | None]) -> int:
    seen = {org_id}
    while (parent := parents.get(org_id)) is not None and parent not in seen:
        seen.add(parent)
        org_id = parent
    return org_id


def _grant(conn: sa.Connection, user_id: int, email: str, org_id: int, code: str, role: str) -> None:
    now = dt.datetime.now(dt.UTC)
    conn.execute(sa.insert(memberships).values(user_id=user_id, organisation_id=org_id, role=role,
                                               created_at=_stored(now)))
    membership_id = conn.execute(sa.select(memberships.c.id).where(
        memberships.c.user_id == user_id, memberships.c.organisation_id == org_id,
        memberships.c.role == role)).scalar_one()
    # append to the audit chain as audit.record does: take the head's lock first, then read it
    conn.execute(sa.update(chain_head).where(chain_head.c.id == 1).values(seq=chain_head.c.seq + 1))
    seq, prev_hash = conn.execute(sa.select(chain_head.c.seq, chain_head.c.last_hash)
                                  .where(chain_head.c.id == 1)).one()
    changes = json.dumps({key: {"after": value, "before": None}
                          for key, value in {"organisation": code, "role": role, "user": email}.items()},
                         sort_keys=True, ensure_ascii=False)
    fields = {"seq": seq, "occurred_at": now, "actor_id": None, "actor_label": LABEL,
              "organisation_id": org_id, "entity": "membership", "entity_id": str(membership_id),
              "action": "create", "changes": changes, "prev_hash": prev_hash}
    digest = _event_hash(**fields)
    conn.execute(sa.insert(audit_events).values(**{**fields, "occurred_at": _stored(now)}, hash=digest))
    conn.execute(sa.update(chain_head).where(chain_head.c.id == 1).values(last_hash=digest))


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(organisations.c.id, organisations.c.code, organisations.c.parent_id)).all()
    parents = {row.id: row.parent_id for row in rows}
    codes = {row.id: row.code for row in rows}
    held = conn.execute(
        sa.select(memberships.c.user_id, memberships.c.organisation_id, memberships.c.role, users.c.email)
        .join(users, users.c.id == memberships.c.user_id)
        .where(memberships.c.role.in_(ROLES))
        .order_by(memberships.c.id)
    ).all()
    for role in ROLES:
        by_root: dict[int, list[tuple[int, int, str]]] = {}
        for user_id, org_id, held_role, email in held:
            if held_role == role:
                by_root.setdefault(_root(org_id, parents), []).append((user_id, org_id, email))
        for root, holders in sorted(by_root.items()):
            if any(org_id == root for _user, org_id, _email in holders):
                continue  # someone covers the whole tree already: the lower holders narrow to their part
            for user_id, email in sorted({(user_id, email) for user_id, _org, email in holders}):
                _grant(conn, user_id, email, root, codes[root], role)
                log.warning("%s %s now also holds %s in %s (it acted there before; see CHANGELOG)",
                            LABEL, email, role, codes[root])
    managed_roots = {_root(org_id, parents) for _user, org_id, role, _email in held if role == "beheerder"}
    orphans = sorted(codes[org_id] for org_id, parent in parents.items()
                     if parent is None and org_id not in managed_roots)
    if orphans and held:
        log.warning("%s: nobody holds beheerder in %s or below it; give someone the role there "
                    "(bio-register create-user --role beheerder:CODE)", LABEL, ", ".join(orphans))


def downgrade() -> None:
    """Nothing to undo: see the module's docstring."""
