"""WSGI entry point: `gunicorn wsgi:app`; also lets `flask` find the app without --app."""

from consult import create_app

app = create_app()
