"""WSGI entry point from the checkout: ``gunicorn wsgi:app`` (the same as ``bio_register.wsgi:app``,
which a non-editable install finds from any directory)."""

from bio_register.wsgi import app

__all__ = ["app"]
