"""gunicorn settings for production, sized for 2 cores: ``gunicorn -c gunicorn.conf.py wsgi:server``.

Threads, not more processes: requests mostly wait on the database, and each worker holds its own
copy of the app and a connection pool. Any setting here can be overridden on the command line.
"""
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")  # put a TLS-terminating proxy in front
workers = 2
worker_class = "gthread"
threads = 4
timeout = 60  # a worker silent this long is restarted
graceful_timeout = 30
keepalive = 5
preload_app = False  # each worker builds its own app (and engine) after the fork
max_requests = 5000  # recycle workers now and then, staggered by the jitter
max_requests_jitter = 500
accesslog = None  # the app logs one line per request, with its X-Request-ID
errorlog = "-"
loglevel = "info"
control_socket_disable = True  # gunicorn 27's control socket in ~/.gunicorn: not used, and it
                               # would be shared by every instance run by the same user


def on_starting(server):
    """Migrate once in the master, before workers start, so workers never race to migrate."""
    from metrics.demo.bootstrap import open_store
    from metrics.settings import load_settings

    open_store(load_settings()).dispose()


def post_worker_init(worker):
    from dashboard.web.request_log import configure_logging

    configure_logging()
