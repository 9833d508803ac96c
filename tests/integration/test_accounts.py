"""Accounts and sign-in throttling in the domain (metrics.accounts.users, metrics.accounts.throttle), on both databases."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import select

from metrics.accounts import users as accounts, throttle
from metrics.store import schema

T0 = datetime(2026, 1, 5, 9, 0, 0)
LIMITS = throttle.Limits(max_failures=5, max_failures_per_ip=20, window=timedelta(minutes=15))


def audit_actions(store) -> list[tuple[str, str]]:
    a = schema.audit_events
    with store.read() as conn:
        return [(r.actor, r.action) for r in conn.execute(select(a.c.actor, a.c.action).order_by(a.c.id))]


def fail(store, name, ip, at, limits=LIMITS):
    with store.write() as conn:
        attempt, lock = throttle.begin(conn, name, ip, limits, at)
        if lock is None:
            throttle.finish(conn, attempt, False)
    return lock


def test_acc001_first_admin_created_once(store):
    with store.write() as conn:
        password = accounts.ensure_first_admin(conn)
    with store.write() as conn:
        assert accounts.ensure_first_admin(conn) is None
    assert password and len(password) >= 12
    with store.read() as conn:
        user, why = accounts.check_credentials(conn, "admin", password)
    assert why == "ok" and user.role == "admin"
    assert audit_actions(store) == [("first-start", "user_added")]


def test_acc002_credentials_say_why_only_to_the_audit(store):
    with store.write() as conn:
        accounts.add_user(conn, "alice", "uploader", "correct horse battery")
        accounts.add_user(conn, "bob", "viewer", "correct horse battery")
        accounts.set_disabled(conn, "bob", True, actor="admin")
    with store.read() as conn:
        assert accounts.check_credentials(conn, "alice", "correct horse battery")[1] == "ok"
        assert accounts.check_credentials(conn, "alice", "wrong")[1] == "wrong_password"
        assert accounts.check_credentials(conn, "carol", "x")[1] == "unknown_user"
        assert accounts.check_credentials(conn, "bob", "correct horse battery") == (None, "disabled")
        assert accounts.get_user_by_id(conn, accounts.get_user(conn, "alice").id).name == "alice"


def test_acc003_five_failures_lock_a_name_for_fifteen_minutes_from_the_last(store):
    for i in range(4):
        assert fail(store, "Alice", "10.0.0.1", T0 + timedelta(minutes=i)) is None
    assert fail(store, " alice ", "10.0.0.2", T0 + timedelta(minutes=4)) is None  # the 5th is counted
    lock = fail(store, "ALICE", "10.0.0.3", T0 + timedelta(minutes=5))
    assert lock is not None and lock.scope == "user"
    assert lock.until == T0 + timedelta(minutes=4 + 15)
    # attempts while locked are recorded but do not extend the lock
    assert fail(store, "alice", "10.0.0.3", T0 + timedelta(minutes=18)).until == lock.until
    assert fail(store, "alice", "10.0.0.3", T0 + timedelta(minutes=19, seconds=1)) is None
    with store.read() as conn:  # another name is not affected
        assert throttle.locked(conn, "bob", "10.0.0.9", LIMITS, T0 + timedelta(minutes=6)) is None


def test_acc004_success_resets_a_name_but_not_an_address(store):
    limits = throttle.Limits(max_failures=3, max_failures_per_ip=5, window=timedelta(minutes=15))
    for i in range(2):
        fail(store, "alice", "10.0.0.1", T0 + timedelta(minutes=i), limits)
    with store.write() as conn:
        attempt, lock = throttle.begin(conn, "alice", "10.0.0.1", limits, T0 + timedelta(minutes=2))
        throttle.finish(conn, attempt, True)
    assert lock is None
    for i in range(2):  # the name starts again after a success ...
        assert fail(store, "alice", "10.0.0.1", T0 + timedelta(minutes=3 + i), limits) is None
    # ... but the address has now 4 failures: one more, on any name, locks it
    assert fail(store, "mallory", "10.0.0.1", T0 + timedelta(minutes=6), limits) is None
    lock = fail(store, "zed", "10.0.0.1", T0 + timedelta(minutes=7), limits)
    assert lock is not None and lock.scope == "ip"
    with store.read() as conn:
        assert throttle.locked(conn, "zed", "10.0.0.2", limits, T0 + timedelta(minutes=7)) is None


def test_acc005_parallel_guesses_are_counted_one_after_another(store):
    """Attempts are recorded (pessimistically, as failures) under the write lock before the password
    is checked, so ten guesses at once cannot all pass a five-failure limit."""
    passed, guard = [], threading.Lock()

    def guess():
        with store.write() as conn:
            _, lock = throttle.begin(conn, "alice", "10.0.0.1", LIMITS)
        with guard:
            passed.append(lock is None)

    threads = [threading.Thread(target=guess) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert passed.count(True) == 5
