"""Serve the OPSG service-metrics dashboard: python app.py [--host H] [--port P] [--no-demo]."""
import argparse
import signal
import sys

from dashboard.web import request_log
from dashboard.factory import create_app
from dashboard.state import warm
from dashboard.web.security import QuietRequestHandler
from metrics.jobs.scheduler import start_embedded
from report.pack_jobs import scheduled


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Serve the OPSG service-metrics dashboard.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo data on first start")
    args = parser.parse_args(argv)
    request_log.configure_logging()
    # The single-process default runs the scheduled jobs here too, unless EMBED_SCHEDULER=false.
    app = create_app(demo=not args.no_demo, start_scheduler=lambda store, catalog, settings: start_embedded(
        store, catalog, settings, scheduled(settings)))  # with report/'s packs job
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # exit normally: the scheduler hands over
    warm.watch(app.server)  # warm the page cache whenever the figures change (dashboard/state/warm.py)
    app.run(host=args.host, port=args.port, debug=False, request_handler=QuietRequestHandler)


if __name__ == "__main__":
    main()
