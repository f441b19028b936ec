"""WSGI entry point: ``gunicorn wsgi:app``."""

from bio_register import create_app

app = create_app()
