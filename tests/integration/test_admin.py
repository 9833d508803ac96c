"""Administration in the domain (metrics.records.thresholds): thresholds never silently recolour reported months,
roles keep an administrator, and every change is audited in its own transaction."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from metrics.accounts import users as accounts
from metrics.records import thresholds as admin
from metrics.store import schema
from metrics.ingest.write import ingest
from metrics.read.queries import series

OTA = "month,csp_region,attempted,succeeded\n" + "".join(
    f"{m},North,100,{s}\n" for m, s in (("2021-10", 98), ("2021-11", 99), ("2021-12", 97)))


@pytest.fixture
def loaded(store, catalog):
    report = ingest(store, catalog, OTA.encode(), "ota.csv")
    assert report.outcome == "accepted", report.errors
    return store


def rags(store, catalog) -> dict[str, str]:
    with store.read() as conn:
        return {p["month"]: p["rag"] for p in series(conn, catalog, "ota_success_rate")}


def events(store, action: str) -> list[dict]:
    a = schema.audit_events
    with store.read() as conn:
        return [{"actor": r.actor, "subject": r.subject, **json.loads(r.detail)}
                for r in conn.execute(select(a).where(a.c.action == action).order_by(a.c.id))]


def set_ota(store, catalog, **kw):
    args = dict(metric="ota_success_rate", target=98, minimum=96, effective_from="2022-01",
                actor="secas", reason="OPSG agreed")
    with store.write() as conn:
        return admin.set_threshold(conn, catalog, **{**args, **kw})


def test_adm001_a_threshold_from_a_reported_month_needs_restate(loaded, catalog):
    before = rags(loaded, catalog)
    assert before == {"2021-10": "amber", "2021-11": "green", "2021-12": "amber"}
    with pytest.raises(ValueError, match="would recolour them"):
        set_ota(loaded, catalog, effective_from="2021-11")
    assert rags(loaded, catalog) == before and events(loaded, "threshold_set") == []
    change = set_ota(loaded, catalog, effective_from="2022-01")  # the next month: nothing recoloured
    assert change.recolours == [] and rags(loaded, catalog) == before
    change = set_ota(loaded, catalog, effective_from="2021-12", target=97, minimum=95)  # said so
    assert change.recolours == ["2021-12"] and "December 2021" in change.message
    assert rags(loaded, catalog)["2021-12"] == "green" and rags(loaded, catalog)["2021-10"] == "amber"


def test_adm002_restating_history_is_deliberate_and_audited(loaded, catalog):
    change = set_ota(loaded, catalog, effective_from="2018-01", target=97, minimum=90, restate=True,
                     reason="Targets restated after the SEC modification")
    assert change.recolours == ["2021-10", "2021-11", "2021-12"]
    # Same effective month as the catalog default: the administrator's (later) threshold wins.
    assert set(rags(loaded, catalog).values()) == {"green"}
    [event] = events(loaded, "threshold_set")
    assert event["restate"] is True and event["effective_from"] == "2018-01"
    assert event["previous"] == {"target": 99.0, "minimum": 95.0, "effective_from": "2018-01"}
    assert event["reason"] == "Targets restated after the SEC modification" and event["actor"] == "secas"


@pytest.mark.parametrize("change, message", [
    ({"target": 90, "minimum": 95}, "target must be at least the minimum"),
    ({"target": 101}, "between 0 and 100"),
    ({"target": "lots"}, "target must be a number"),
    ({"reason": "  "}, "give a reason"),
    ({"effective_from": "Jan-22"}, "must be a month"),
    ({"dimension": "csp_region", "value": "Mars"}, "is not one of"),
    ({"dimension": "alert_code", "value": "8F3E"}, "has no dimension"),
    ({"metric": "nope"}, "unknown metric 'nope'"),
])
def test_adm003_bad_thresholds_are_refused_and_nothing_is_recorded(loaded, catalog, change, message):
    with pytest.raises(ValueError, match=message):
        set_ota(loaded, catalog, **change)
    assert events(loaded, "threshold_set") == []
    with loaded.read() as conn:
        assert conn.execute(select(schema.thresholds)).all() == []


def test_adm004_per_region_threshold(loaded, catalog):
    set_ota(loaded, catalog, dimension="csp_region", value="North", target=97, minimum=90,
            effective_from="2018-01", restate=True)
    with loaded.read() as conn:
        north = series(conn, catalog, "ota_success_rate", filters={"csp_region": "North"})
        rows = admin.threshold_rows(conn, catalog)
    assert {p["rag"] for p in north} == {"green"}
    assert any(r["value"] == "North" and r["set_by"] == "secas" for r in rows)


def test_adm005_an_administrator_always_remains(store):
    with store.write() as conn:
        accounts.add_user(conn, "root", "admin", "correct horse battery")
        accounts.add_user(conn, "dcc", "uploader", "correct horse battery")
    for action, message in ((lambda c: admin.change_role(c, "root", "viewer", "root"), "only active administrator"),
                            (lambda c: admin.set_disabled(c, "root", True, "someone"), "only active administrator"),
                            (lambda c: admin.set_disabled(c, "root", True, "root"), "your own account")):
        with pytest.raises(ValueError, match=message):
            with store.write() as conn:
                action(conn)
    with store.write() as conn:
        admin.change_role(conn, "dcc", "admin", "root")
        admin.change_role(conn, "root", "viewer", "dcc")  # now another administrator exists
        admin.set_disabled(conn, "root", True, "dcc")
        user, password = admin.add_user(conn, "alice", "viewer", "dcc")
    with store.read() as conn:
        assert accounts.check_credentials(conn, "alice", password)[1] == "ok"
        assert accounts.check_credentials(conn, "root", "correct horse battery")[1] == "disabled"
    assert [(e["subject"], e["role"], e["previous"]) for e in events(store, "role_changed")] == [
        ("dcc", "admin", "uploader"), ("root", "viewer", "admin")]
    assert [e["subject"] for e in events(store, "user_disabled")] == ["root"]


def test_adm006_audit_trail_reads_newest_first_and_filters(loaded, catalog):
    set_ota(loaded, catalog)
    with loaded.read() as conn:
        trail = admin.audit_trail(conn)
        thresholds = admin.audit_trail(conn, action="threshold_")
        actions = admin.audit_actions(conn)
    assert trail[0]["action"] == "threshold_set" and trail[-1]["action"] == "upload_accepted"
    assert [e["action"] for e in thresholds] == ["threshold_set"]
    assert {"threshold_set", "upload_accepted"} <= set(actions)
