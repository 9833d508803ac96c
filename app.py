"""Serve the OPSG service-metrics dashboard: python app.py [--host H] [--port P] [--no-demo]."""
import argparse

from dashboard.factory import create_app


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Serve the OPSG service-metrics dashboard.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo data on first start")
    args = parser.parse_args(argv)
    app = create_app(demo=not args.no_demo)
    app.run(host=args.host, port=args.port, debug=False)


if __name__ == "__main__":
    main()
