"""An organisation's own playbook (draaiboek) for a category of incident.

The shipped defaults live in :mod:`bio_register.playbooks.defaults` and are never stored: a row
here exists only once a beheerder or CISO edited the playbook of a category for an organisation
(copy-on-edit). It then applies to that organisation and to the organisations below it that have
none of their own; removing it brings back the inherited or shipped one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bio_register.database import UTCDateTime, utcnow, value_enum
from bio_register.extensions import Model
from bio_register.incidents.models import Category
from bio_register.organisations.models import Organisation


class Playbook(Model):
    __tablename__ = "playbooks"
    __table_args__ = (UniqueConstraint("organisation_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    category: Mapped[Category] = mapped_column(value_enum(Category, "category"))
    #: the steps in order, each a text
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}
