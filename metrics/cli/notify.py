"""Command-line commands for notifications: subscribe, unsubscribe, webhooks, notify (SPEC §7)."""
from __future__ import annotations

import argparse

from metrics.cli.common import store_and_catalog
from metrics.notify import events as notify
from metrics.notify import subscriptions

EXIT_OK, EXIT_REJECTED = 0, 1
EVENTS_HELP = "comma-separated events: " + ", ".join(f"{k} ({v})" for k, v in notify.EVENT_HELP.items())


def _open(args):
    return store_and_catalog(args)


def cmd_subscribe(args) -> int:
    store, catalog, _ = _open(args)
    with store.write() as conn:
        added = subscriptions.subscribe(conn, catalog, args.name, args.events, args.metric or ())
        address = subscriptions.email_of(conn, args.name)
    for event, metric in added:
        print(f"subscribed {args.name} to {event}" + (f" for {metric}" if metric else ""))
    if not added:
        print(f"{args.name} was already subscribed to that")
    if not address:
        print(f"note: {args.name} has no e-mail address yet (users set-email {args.name} ADDRESS)")
    return EXIT_OK


def cmd_unsubscribe(args) -> int:
    store, _, _ = _open(args)
    with store.write() as conn:
        removed = subscriptions.unsubscribe(conn, args.name, args.events)
    print(f"removed {removed} subscription(s) of {args.name}")
    return EXIT_OK


def cmd_subscriptions(args) -> int:
    store, _, _ = _open(args)
    with store.read() as conn:
        for s in subscriptions.subscriptions(conn, args.name):
            print(f"{s['user']}\t{s['email'] or '(no address)'}\t{s['event']}\t{s['metric'] or 'all metrics'}")
    return EXIT_OK


def cmd_webhooks(args) -> int:
    store, _, settings = _open(args)
    if args.webhooks_command == "add":
        with store.write() as conn:
            hook = subscriptions.add_webhook(conn, args.url, args.events, args.user,
                                      allow_loopback=settings.webhook_allow_loopback)
        print(f"added webhook {hook['id']} for {', '.join(hook['events'])}: {hook['url']}")
        print("each POST carries X-OPSG-Signature: sha256=HMAC-SHA256(body) with this secret "
              "(shown once):")
        print(hook["secret"])
        return EXIT_OK
    if args.webhooks_command == "remove":
        with store.write() as conn:
            subscriptions.remove_webhook(conn, args.id, args.user)
        print(f"removed webhook {args.id}")
        return EXIT_OK
    with store.read() as conn:
        for hook in subscriptions.list_webhooks(conn):
            print(f"{hook['id']}\t{hook['events']}\t{hook['url']}")
    return EXIT_OK


def cmd_notify(args) -> int:
    from metrics.notify.mailer import deliver_due

    store, catalog, settings = _open(args)
    counts = deliver_due(store, catalog, settings)
    if not settings.smtp_host:
        print("note: SMTP_HOST is not set, so e-mails wait in the outbox (webhooks were delivered)")
    print(f"sent {counts['sent']}, to retry later {counts['retry']}, failed for good "
          f"{counts['failed']}, cancelled {counts['cancelled']}")
    return EXIT_REJECTED if counts["failed"] else EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The notification commands on ``python -m metrics``."""
    p = sub.add_parser("subscribe", help="subscribe a user to notification events (e-mail)")
    p.add_argument("name", help="the user")
    p.add_argument("--events", required=True, help=EVENTS_HELP)
    p.add_argument("--metric", action="append", metavar="ID",
                   help="only for this metric (repeat for several; default every metric)")
    p.set_defaults(func=cmd_subscribe)

    p = sub.add_parser("unsubscribe", help="remove a user's subscriptions (all, or --events)")
    p.add_argument("name", help="the user")
    p.add_argument("--events", help="only these events (default all)")
    p.set_defaults(func=cmd_unsubscribe)

    p = sub.add_parser("subscriptions", help="list subscriptions (everyone's, or one user's)")
    p.add_argument("name", nargs="?", help="only this user")
    p.set_defaults(func=cmd_subscriptions)

    p = sub.add_parser("webhooks", help="JSON webhooks (signed with HMAC-SHA256) for automation")
    hooks = p.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    a = hooks.add_parser("add", help="add a webhook (http or https; not this machine's addresses)")
    a.add_argument("url")
    a.add_argument("--events", required=True, help=EVENTS_HELP)
    a.add_argument("--user", default="cli", help="recorded as who added it (default cli)")
    hooks.add_parser("list", help="list webhooks (never their secrets)")
    r = hooks.add_parser("remove", help="remove a webhook")
    r.add_argument("id", type=int)
    r.add_argument("--user", default="cli", help="recorded as who removed it (default cli)")
    p.set_defaults(func=cmd_webhooks)

    p = sub.add_parser("notify", help="deliver the notifications that are due, then exit "
                                      "(the scheduler runs this every minute)")
    p.set_defaults(func=cmd_notify)
