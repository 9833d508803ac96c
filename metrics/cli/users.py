"""The users command: users, roles, e-mail addresses, passwords and API tokens."""
from __future__ import annotations

import argparse
import sys

from metrics.accounts.users import ALL_ROLES, ROLES
from metrics.cli.common import EXIT_OK, store_and_catalog


def cmd_users(args) -> int:
    from metrics.accounts import users as accounts
    from metrics.notify import subscriptions

    store, _, _ = store_and_catalog(args)
    if args.users_command == "list":
        with store.read() as conn:
            for u in accounts.list_users(conn):
                print(f"{u['name']}\t{u['role']}\t{'disabled' if u['disabled'] else 'active'}"
                      f"\t{subscriptions.email_of(conn, u['name']) or ''}")
        return EXIT_OK
    if args.users_command == "set-email":
        with store.write() as conn:
            email = subscriptions.set_email(conn, args.name, args.address)
        print(f"{args.name}: e-mail {email or 'cleared'}")
        return EXIT_OK
    if args.users_command == "add":
        generated = sys.stdin.isatty() or args.generate
        password = accounts.generate_password() if generated else sys.stdin.readline().rstrip("\n")
        with store.write() as conn:
            accounts.add_user(conn, args.name, args.role, password)
            if args.email:  # checked before anything commits: a bad address adds no user
                subscriptions.set_email(conn, args.name, args.email)
        print(f"added {args.name} ({args.role})")
        if generated:
            print(f"password: {password}")
        return EXIT_OK
    if args.users_command == "set-password":
        generated = sys.stdin.isatty() or args.generate
        password = accounts.generate_password() if generated else sys.stdin.readline().rstrip("\n")
        with store.write() as conn:
            accounts.set_password(conn, args.name, password, actor="cli")
        print(f"new password set for {args.name}; their sessions have ended")
        if generated:
            print(f"password: {password}")
        return EXIT_OK
    if args.users_command == "tokens":
        with store.read() as conn:
            tokens = accounts.list_tokens(conn, args.name)
        print("id\tlabel\tcreated\texpires\tlast used\tstate")
        for t in tokens:
            when = [t[k].isoformat(sep=" ", timespec="minutes") if t[k] else "never"
                    for k in ("created_at", "expires_at", "last_used_at")]
            print("\t".join([str(t["id"]), t["label"] or "-", *when, t["state"]]))
        return EXIT_OK
    if args.users_command == "revoke-tokens":
        with store.write() as conn:
            count = accounts.revoke_tokens(conn, args.name, "cli", token_id=args.id)
        print(f"revoked {count} token{'s' * (count != 1)} of {args.name}")
        return EXIT_OK
    with store.write() as conn:
        token = accounts.new_token(conn, args.name, label=args.label or "", expires_days=args.expires_days)
    print(f"API token for {args.name} (shown once; send as Authorization: Bearer TOKEN; "
          f"expires in {args.expires_days} days):")
    print(token)
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from metrics.accounts.users import TOKEN_DAYS

    p = sub.add_parser("users", help="manage users and API tokens")
    us = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    a = us.add_parser("add", help="add a user (password from stdin, or generated and printed)")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=ROLES,
                   help="; ".join(f"{r.name}: {r.description}" for r in ALL_ROLES))
    a.add_argument("--generate", action="store_true", help="generate the password even if stdin is piped")
    a.add_argument("--email", metavar="ADDRESS", help="e-mail address for notifications")
    e = us.add_parser("set-email", help="set a user's e-mail address for notifications ('' clears it)")
    e.add_argument("name")
    e.add_argument("address")
    us.add_parser("list", help="list users and roles")
    t = us.add_parser("token", help="print a new API token for a user (last line); the user's "
                                    "other tokens stay valid")
    t.add_argument("name")
    t.add_argument("--label", metavar="TEXT", help="what the token is for, shown in `users tokens` (e.g. 'DCC upload job')")
    t.add_argument("--expires-days", type=int, default=TOKEN_DAYS, metavar="N",
                   help="days until the token stops working (default %(default)s)")
    t = us.add_parser("tokens", help="list a user's API tokens: id, label, created, expires, last "
                                     "used, state (never the token itself)")
    t.add_argument("name")
    t = us.add_parser("revoke-tokens", help="revoke a user's API tokens: all of them, or one with --id")
    t.add_argument("name")
    t.add_argument("--id", type=int, metavar="ID", help="revoke only this token (an id from `users tokens`)")
    t = us.add_parser("set-password", help="set a user's password (from stdin, or generated and "
                                           "printed); their sessions end")
    t.add_argument("name")
    t.add_argument("--generate", action="store_true", help="generate the password even if stdin is piped")
    p.set_defaults(func=cmd_users)
