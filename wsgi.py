"""The WSGI entry point for production: ``gunicorn -c gunicorn.conf.py wsgi:server``.

Importing builds the app on DATABASE_URL (migrated, no demo data) and nothing more; the scheduled
jobs run in their own process (``python -m metrics scheduler``), never in web workers.
"""
from dashboard.factory import create_app
from dashboard.state import warm

app = create_app(demo=False)
server = app.server
warm.watch(server)  # figures from the command line, the inbox or another worker: warm this one
