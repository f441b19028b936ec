"""One instance of each Flask extension, initialised by the application factory."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Table

from bio_register.api.base import Api
from bio_register.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
api = Api()
#: login attempts per client address and per account; storage from BIO_REGISTER_RATELIMIT_STORAGE
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)

if TYPE_CHECKING:
    class Model(Base):
        """The base of every model, ``db.Model``, as the type checker sees it: a class built from
        :class:`~bio_register.database.Base` at run time, which mypy cannot see through ``db``.

        Every model maps one table of its own (``__tablename__``, no inheritance), so its
        ``__table__`` is a :class:`~sqlalchemy.Table` (SQLAlchemy types it as any ``FromClause``)."""

        __abstract__ = True
        __table__: ClassVar[Table]
else:
    Model = db.Model
