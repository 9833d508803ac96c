"""The action log on both databases: add, edit (a moved date needs a reason and is kept), close and
reopen, each audited with the change; imports all-or-nothing and safe to repeat; the command line;
the /actions page with its filters in the URL; and write callbacks that only an administrator can use."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from metrics.accounts import users as accounts
from metrics.demo.minutes import seed_opsg29
from metrics.records import actions
from metrics.store import schema
from metrics.records.actions import ActionError
from metrics.cli.commands import main

NEW = {"ref": "OPSG 30/01", "text": "The DCC to report CSP N OTA progress", "owner": "DCC",
       "raised_on": "03/03/2020", "target_on": "07/04/2020", "metrics": "ota_success_rate",
       "month": "2020-02"}
CSV = ("Action ID,Action,Owner,Date Raised,Last Target Date,Revised Target Date,Status\n"
       "OPSG 30/01,The DCC to report CSP N OTA progress,DCC,03/03/2020,07/04/2020,,Open\n"
       "OPSG 30/02,SECAS to circulate the pack,SECAS,03/03/2020,10/03/2020,,Open\n")


def audit_actions(store) -> list[tuple[str, str]]:
    a = schema.audit_events
    with store.read() as conn:
        return [tuple(r) for r in conn.execute(select(a.c.action, a.c.subject).order_by(a.c.id))]


def test_act010_add_edit_revise_close_reopen_with_history_and_audit(store, catalog):
    with store.write() as conn:
        added = actions.add_action(conn, catalog, NEW, "chair")
    assert added["status"] == "open" and added["metrics"] == ("ota_success_rate",)
    with store.write() as conn, pytest.raises(ActionError, match="give a reason"):
        actions.edit_action(conn, catalog, "OPSG 30/01", {"revised_on": "05/05/2020"}, "chair")
    with store.write() as conn:
        actions.edit_action(conn, catalog, "30/1", {"revised_on": "05/05/2020"}, "chair",
                            reason="agreed at OPSG_31")
        actions.edit_action(conn, catalog, "OPSG 30/01", {"revised_on": "02/06/2020"}, "chair",
                            reason="agreed at OPSG_32")
    with store.write() as conn:
        closed = actions.set_status(conn, "OPSG 30/01", "closed", "chair", on=date(2020, 6, 2))
    assert closed["closed_on"] == "2020-06-02" and closed["status"] == "closed"
    assert not actions.is_overdue(closed, date(2030, 1, 1))
    with store.write() as conn:
        reopened = actions.set_status(conn, "OPSG 30/01", "open", "chair", reason="not done after all")
        history = actions.history(conn, "OPSG 30/01")
    assert reopened["closed_on"] is None
    assert [h["kind"] for h in history] == ["added", "edited", "edited", "closed", "reopened"]
    revised = [h["changes"]["revised_on"] for h in history if "revised_on" in h["changes"]]
    assert revised[-2:] == [[None, "2020-05-05"], ["2020-05-05", "2020-06-02"]]
    assert [h["reason"] for h in history][1:3] == ["agreed at OPSG_31", "agreed at OPSG_32"]
    assert audit_actions(store) == [("action_added", "OPSG 30/01"), ("action_edited", "OPSG 30/01"),
                                    ("action_edited", "OPSG 30/01"), ("action_closed", "OPSG 30/01"),
                                    ("action_reopened", "OPSG 30/01")]
    with store.write() as conn, pytest.raises(ActionError, match="already exists"):
        actions.add_action(conn, catalog, NEW, "chair")


def test_act011_a_refused_edit_writes_nothing(store, catalog):
    with store.write() as conn:
        actions.add_action(conn, catalog, NEW, "chair")
    with pytest.raises(ActionError):
        with store.write() as conn:
            actions.edit_action(conn, catalog, "OPSG 30/01", {"target_on": "01/01/2020"}, "chair",
                                reason="before it was raised")
    with store.read() as conn:
        assert actions.get_action(conn, "OPSG 30/01")["target_on"] == "2020-04-07"
        assert len(actions.history(conn, "OPSG 30/01")) == 1


def test_act012_import_is_all_or_nothing_and_safe_to_repeat(store, catalog):
    first = actions.import_actions(store, catalog, CSV.encode(), "log.csv", actor="secas")
    assert (first.outcome, first.added) == ("accepted", ["OPSG 30/01", "OPSG 30/02"])
    again = actions.import_actions(store, catalog, CSV.encode(), "log.csv", actor="secas")
    assert (again.outcome, again.unchanged) == ("unchanged", ["OPSG 30/01", "OPSG 30/02"])
    bad = CSV.replace("07/04/2020,,Open", "07/04/2020,31/02/2020,Open") + "OPSG 30/03,x,DCC,,,,\n"
    rejected = actions.import_actions(store, catalog, bad.encode(), "log.csv", actor="secas")
    assert rejected.outcome == "rejected"
    assert [(e.row, e.column) for e in rejected.errors] == [
        (2, "Revised Target Date"), (4, "Date Raised"), (4, "Last Target Date")]
    revised = CSV.replace("07/04/2020,,Open", "07/04/2020,05/05/2020,Open").replace(
        "10/03/2020,,Open", "10/03/2020,,Closed")
    updated = actions.import_actions(store, catalog, revised.encode(), "log.csv", actor="secas")
    assert (updated.outcome, updated.updated) == ("accepted", ["OPSG 30/01", "OPSG 30/02"])
    with store.read() as conn:
        assert actions.get_action(conn, "OPSG 30/01")["revised_on"] == "2020-05-05"
        assert actions.get_action(conn, "OPSG 30/02")["status"] == "closed"
        moved = actions.history(conn, "OPSG 30/01")[-1]
        assert moved["kind"] == "imported" and moved["changes"]["revised_on"] == [None, "2020-05-05"]
        count = conn.execute(select(func.count()).select_from(schema.actions)).scalar()
    assert count == 2
    assert [a for a, _ in audit_actions(store)].count("actions_imported") == 3  # not the rejected one


def test_act013_filters_and_the_actions_each_metric_has_open(store, catalog):
    with store.write() as conn:
        assert seed_opsg29(conn, catalog) == 24
        assert seed_opsg29(conn, catalog) == 0  # seeding twice adds nothing
        actions.set_status(conn, "OPSG 29/09", "closed", "chair")
    with store.read() as conn:
        meeting_day = date(2020, 3, 4)
        open_ = actions.list_actions(conn, status="open", today=meeting_day)
        dcc = actions.list_actions(conn, owner="DCC", today=meeting_day)
        ota = actions.open_by_metric(conn, today=meeting_day)["ota_success_rate"]
        owners = actions.owners(conn)
    assert len(open_) == 23 and {a["owner"] for a in dcc} == {"DCC"}
    assert [a["ref"] for a in open_[:3]] == ["OPSG 29/22", "OPSG 29/12", "OPSG 29/13"]  # overdue first
    assert open_[0]["overdue"] and not [a for a in open_ if a["ref"] == "OPSG 29/01"][0]["overdue"]
    assert sorted(a["ref"] for a in ota) == ["OPSG 27/14", "OPSG 29/08"]  # 29/09 is closed
    assert owners[0] == "CSP C&S" and "OPSG members" in owners


def test_act014_command_line_import(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    good, bad = tmp_path / "log.csv", tmp_path / "bad.csv"
    good.write_text(CSV)
    bad.write_text(CSV.replace("03/03/2020,07/04/2020", "03/03/2020,01/03/2020"))
    assert main(["--database", url, "actions", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv:2:Last Target Date: 01/03/2020 is before the date raised, 03/03/2020" in err
    assert main(["--database", url, "actions", "import", str(good), "--dry-run"]) == 0
    assert "dry run: accepted: 2 added" in capsys.readouterr().out
    assert main(["--database", url, "actions", "import", str(good), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == ["OPSG 30/01", "OPSG 30/02"]
    assert main(["--database", url, "actions", "import", str(good)]) == 0
    assert "unchanged: 2 unchanged" in capsys.readouterr().out
    assert main(["--database", url, "actions", "import", str(tmp_path / "missing.csv")]) == 2


# ----------------------------------------------------------------------------- the web page
def render(app, path="/actions", **query):
    import dash
    from dash._utils import to_json

    page = next(p for p in dash.page_registry.values() if p["path"] == path)
    with app.server.test_request_context(path):
        return json.loads(to_json(page["layout"](**query)))


def test_act015_the_log_page_filters_by_owner_status_and_metric_in_the_url(make_app):
    app = make_app(PUBLIC_READ=True)
    text = json.dumps(render(app))
    assert "OPSG 29/22" in text and "OPSG_29 final minutes" in text and "Overdue" in text
    assert "actions-form" not in text  # forms only for administrators
    secas = json.dumps(render(app, owner="SECAS", status="all"))
    assert "OPSG 29/02" in secas and "OPSG 29/03" not in secas and "showing 4" in secas
    ota = json.dumps(render(app, metric="ota_success_rate"))
    assert "OPSG 27/14" in ota and "OPSG 29/02" not in ota
    odd = json.dumps(render(app, owner="Nobody", status="sideways", metric="ghost"))
    assert odd.count("Ignored in the link") == 3 and "OPSG 29/02" in odd


def dependency(client, output: str) -> dict:
    deps = client.get("/_dash-dependencies").get_json()
    return next(d for d in deps if output in d["output"])


def fire(client, output: str, trigger: str, values: dict, headers: dict | None = None):
    """POST a callback as the renderer would, with ``trigger`` clicked and ``values`` in the form."""
    dep = dependency(client, output)
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]}
               for o in dep["output"].strip(".").split("...")]

    def item(spec, clicked=False):
        key = f"{spec['id']}.{spec['property']}"
        value = 1 if clicked else values.get(key, values.get(spec["id"]))
        return {"id": spec["id"], "property": spec["property"], "value": value}
    payload = {"output": dep["output"], "outputs": outputs,
               "inputs": [item(i, i["id"] == trigger) for i in dep["inputs"]],
               "state": [item(s) for s in dep["state"]],
               "changedPropIds": [f"{trigger}.n_clicks" if "upload" not in trigger else f"{trigger}.contents"]}
    return client.post("/_dash-update-component", json=payload, headers=headers or {})


def said(response) -> str:
    """The callback's answer as text (the JSON escapes '/' and non-ASCII)."""
    return json.dumps(response.get_json(), ensure_ascii=False)


def token_for(app, name: str, role: str) -> dict:
    store = app.server.extensions["opsg"].store
    with store.write() as conn:
        accounts.add_user(conn, name, role, "a long enough password", actor="test")
        return {"Authorization": f"Bearer {accounts.new_token(conn, name)}"}


FORM = {"action-ref": "OPSG 30/01", "action-owner": "DCC", "action-text": "The DCC to report",
        "action-raised": "03/03/2020", "action-target": "07/04/2020", "action-revised": "",
        "action-month": "2020-02", "action-metrics": ["ota_success_rate"], "action-notes": "",
        "action-reason": "", "_pages_location.search": ""}


def test_act016_write_callbacks_are_for_administrators_only(make_app):
    app = make_app(PUBLIC_READ=True)
    client = app.server.test_client()
    client.get("/")
    store = app.server.extensions["opsg"].store
    viewer, admin = token_for(app, "member", "viewer"), token_for(app, "chair", "admin")
    for headers, words in (({}, "Sign in as an administrator"), (viewer, "you are signed in as member")):
        response = fire(client, "action-message.children", "action-save", FORM, headers)
        assert response.status_code in (200, 403)
        if response.status_code == 200:
            assert words in said(response) and "Nothing was changed" in said(response)
    with store.read() as conn:
        assert actions.get_action(conn, "OPSG 30/01") is None
    done = fire(client, "action-message.children", "action-save", FORM, admin)
    assert done.status_code == 200 and "Added OPSG 30/01." in said(done)
    closed = fire(client, "action-message.children", "action-toggle", FORM, admin)
    assert "OPSG 30/01 closed." in said(closed)
    with store.read() as conn:
        assert actions.get_action(conn, "OPSG 30/01")["status"] == "closed"
        assert actions.history(conn, "OPSG 30/01")[0]["actor"] == "chair"
    refused = fire(client, "action-message.children", "action-save",
                   {**FORM, "action-ref": "OPSG 30/02", "action-target": "01/01/2020"}, admin)
    assert "Nothing was saved" in said(refused) and "before the date raised" in said(refused)
