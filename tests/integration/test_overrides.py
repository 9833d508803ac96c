"""The chair's RAG override on both databases: a justification is required, the computed RAG is kept
beside it, it is audited in the same transaction, replacing or withdrawing keeps the earlier one,
and it shows on the overview, the meeting slides and the pack."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from metrics.records import overrides
from metrics.store import schema
from metrics.ingest.write import ingest
from metrics.meeting.content import meeting_content
from report.pack import pack_html
from tests.integration.test_actions_log import fire, render, said, token_for

OTA = ("month,csp_region,attempted,succeeded\n"
       "2020-01,North,100000,87070\n2020-01,Central,100000,97700\n2020-01,South,100000,97720\n")


@pytest.fixture
def figures(store, catalog):
    report = ingest(store, catalog, OTA.encode(), "ota.csv", status="final")
    assert report.outcome == "accepted", report.errors
    return store


def audit_of(store) -> list[tuple]:
    a = schema.audit_events
    with store.read() as conn:
        return [tuple(r) for r in conn.execute(select(a.c.action, a.c.subject).order_by(a.c.id))
                if r.action.startswith("rag_override")]


def test_ovr001_an_override_needs_a_reason_and_changes_something(figures, catalog):
    cell = {"metric": "ota_success_rate", "value": "North", "month": "2020-01", "actor": "chair"}
    with figures.write() as conn:
        for bad, message in ((dict(rag="amber", justification="  "), "justification is required"),
                             (dict(rag="red", justification="Red as computed, says so"), "already Red"),
                             (dict(rag="purple", justification="A colour of its own"), "green, amber or red")):
            with pytest.raises(ValueError, match=message):
                overrides.set_override(conn, catalog, **cell, **bad)
        with pytest.raises(ValueError, match="not one of North, Central & South"):
            overrides.set_override(conn, catalog, **{**cell, "value": "South"}, rag="amber",
                                   justification="South alone is not on the overview")
        with pytest.raises(ValueError, match="no figure for that month"):
            overrides.set_override(conn, catalog, **{**cell, "month": "2019-06"}, rag="amber",
                                   justification="No figures were uploaded for June")
    assert audit_of(figures) == []


def test_ovr002_set_replace_withdraw_audited_in_the_same_transaction(figures, catalog):
    cell = {"metric": "ota_success_rate", "value": "North", "month": "2020-01", "actor": "chair"}
    with pytest.raises(RuntimeError):
        with figures.write() as conn:
            overrides.set_override(conn, catalog, **cell, rag="amber",
                                   justification="Remediation plan agreed; trajectory to 99% by March")
            raise RuntimeError("the transaction fails after the override")
    assert audit_of(figures) == []  # the override and its audit event went together
    with figures.write() as conn:
        first = overrides.set_override(conn, catalog, **cell, rag="amber",
                                       justification="Remediation plan agreed; trajectory to 99% by March")
    assert (first["rag"], first["computed_rag"]) == ("amber", "red")
    with figures.write() as conn:
        overrides.set_override(conn, catalog, **cell, rag="green", justification="Measured differently")
    with figures.read() as conn:
        in_force = overrides.overrides_in_force(conn, "2020-01")
        every = conn.execute(select(schema.rag_overrides.c.rag, schema.rag_overrides.c.withdrawn_by)
                             .order_by(schema.rag_overrides.c.id)).all()
    assert [(o["rag"], o["value"]) for o in in_force] == [("green", "North")]
    assert [tuple(r) for r in every] == [("amber", "chair"), ("green", None)]
    with figures.write() as conn:
        assert overrides.withdraw_override(conn, catalog, metric="ota_success_rate", value="North",
                                           month="2020-01", actor="chair", reason="figures corrected")
        assert not overrides.withdraw_override(conn, catalog, metric="ota_success_rate", value="North",
                                               month="2020-01", actor="chair")
    subject = "OTA firmware success · CSP North · 2020-01"
    assert audit_of(figures) == [("rag_override_set", subject), ("rag_override_set", subject),
                                 ("rag_override_withdrawn", subject)]


def test_ovr003_shown_beside_the_computed_rag_on_the_overview_slides_and_pack(make_app):
    app = make_app(PUBLIC_READ=True)
    context = app.server.extensions["opsg"]
    with context.store.write() as conn:
        overrides.set_override(conn, context.catalog, metric="ota_success_rate", value="North",
                               month="2020-01", rag="amber", actor="chair",
                               justification="Remediation plan agreed: 99% by March")
    overview = json.dumps(render(app, "/", month="2020-01"), ensure_ascii=False)
    assert "Chair:" in overview and "computed Red" in overview
    slide = json.dumps(render(app, "/meeting", month="2020-01", slide="3"), ensure_ascii=False)
    assert "Chair's RAG: Amber (computed Red) — Remediation plan agreed: 99% by March." in slide
    with context.store.read() as conn:
        content = meeting_content(conn, context.catalog, "2020-01")
    north = next(e for e in content["entries"]
                 if e["metric"] == "ota_success_rate" and e["dimension_value"] == "North")
    assert (north["rag"], north["shown_rag"], north["override"]["by"]) == ("red", "amber", "chair")
    paper = pack_html(content, {})
    assert "Chair: " in paper and "computed Red" in paper


def test_ovr004_only_an_administrator_can_override_through_the_page(make_app):
    app = make_app(PUBLIC_READ=True)
    client = app.server.test_client()
    client.get("/")
    form = {"override-metric": "ota_success_rate", "override-region": "North", "override-month": "2020-01",
            "override-rag": "amber", "override-justification": "Remediation plan agreed: 99% by March"}
    viewer, admin = token_for(app, "member", "viewer"), token_for(app, "chair", "admin")
    refused = fire(client, "override-message.children", "override-set", form, viewer)
    assert refused.status_code == 403 or "Only an administrator" in said(refused)
    done = fire(client, "override-message.children", "override-set", form, admin)
    assert "Chair's RAG set to Amber (computed Red)" in said(done)
    gone = fire(client, "override-message.children", "override-withdraw", form, admin)
    assert "Override withdrawn." in said(gone)
    with app.server.extensions["opsg"].store.read() as conn:
        assert overrides.overrides_in_force(conn) == []
