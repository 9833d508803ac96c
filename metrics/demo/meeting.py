"""The demo's meeting record: OPSG_29 (4 February 2020, January 2020 figures) as the public minutes
record it — attendees, agenda, notes, decisions — with its 22 actions (seeded by
``actions.seed_opsg29``) linked to the items that raised them.

The demo's January figures are synthetic and reach the database later than the real ones reached
the meeting (on the 10th working day, and CSP N's OTA figures were resubmitted ten working days
after that), so the demo meeting's figures are frozen just after that resubmission: the draft then
quotes the figures the real meeting heard (CSP N 87.07%, 15 Incidents).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, insert, select

from metrics.meeting import record as meeting_record
from metrics.store import schema
from metrics.catalog import Catalog
from metrics.store.engine import audit, utcnow

NUMBER = "OPSG_29"
PEOPLE = {
    "members": """Operations Group Chair: Dave Warner
DCC: Mo Asif
Alex Henighan
Network Party: Gemma Slaney
Matthew Alexander (Teleconference)
Large Supplier: Tony Shanahan
Rochelle Harrison (Teleconference)
Zoe Marklew (Teleconference)
Yvonne Mackenzie (Alternate)
Paul Clark
Ralph Baxter
Small Supplier: Kate Barnes (Teleconference)
Kate Frazer
Geoff Huckerby""",
    "others": """DCC: Wendy Liddell
Graeme Liggett (Part)
Penny Brown (Part) (Teleconference)
Chris Thompson (Part)
Dominic Butt (Part)
Ian Brown (Part)
Sharon Bradley (Part)
Richard Cooper (Part)
Courtney O'Connor (Part) (Teleconference)
Gav Parrott (Part) (Teleconference)
SECAS: Veronica Asantewaa (Meeting Secretary)
Tim Hall
Abhay Soorya
Joey Manners
Damian Bevan (Part)
Huw Exley
Alan Bateman (Part)
Bradley Baker (Part)
Robin Healey (Part) (Teleconference)
Abigail Hermon (Part)
TABASC: Julian Hughes
Ofgem: Michael Walls (Teleconference)
BEIS: Natasha Free
Dan Chambers (Part)
Eleanor Taylor""",
    "apologies": """Large Supplier: Nasir Zeb
Ed Webber
Small Supplier: Simon Dowse
Other SEC Party: Tom Woolley
Elias Hanna""",
}
# (title, slide, [(kind, verb or action ref, text)]) as minuted; action texts are in the log.
AGENDA = [
    ("Previous Meeting Minutes", None, [
        ("note", None, "The Chair invited Operations Group (OPSG) members to comment on the Draft "
         "Minutes from OPSG_28. A Large Supplier (LS) member noted that the CSP N Install and "
         "Commission stability issue was treated as a Category 3 rather than a Category 2."),
        ("decision", "AGREED", "that the minutes from OPSG_28 would be published as final, subject "
         "to the above correction.")]),
    ("Panel Feedback Report", None, [
        ("note", None, "SECAS updated the OPSG with feedback from the January SEC Panel meeting: an "
         "extension of the trial for MP092 'New Planned Maintenance methodology' was approved. The "
         "DCC will need to provide a quarterly review of the planned maintenance trial."),
        ("decision", "NOTED", "the update."), ("action", "OPSG 29/01", "")]),
    ("Actions Outstanding", "actions", [
        ("note", None, "SECAS presented the actions outstanding table from OPSG_28. Actions were "
         "noted as completed where appropriate; new deadlines were set for those not completed by "
         "the target date."),
        ("decision", "NOTED", "the update.")]),
    ("Major Incidents", "stability", [
        ("note", None, "The DCC presented the Major Incident Review Report for Incident "
         "INC000000526144 and will audit all CSP N operations. The OPSG requested assurance that "
         "changes cannot be made to the Production and DR environments concurrently."),
        ("decision", "AGREED", "that the Review Report for Incident INC000000526144 can be published "
         "to all SEC Parties."),
        ("action", "OPSG 29/02", ""), ("action", "OPSG 29/03", ""), ("action", "OPSG 29/04", ""),
        ("action", "OPSG 29/05", "")]),
    ("DCC Operational Update", "ota", [
        ("note", None, "The DCC confirmed that CSP N aim to achieve a Green status (99%) by the end "
         "of March. The OPSG expressed its disappointment that this had not been achieved by the "
         "previous target of December 2019. CSP C&S is making progress to achieve its SLA by the "
         "end of February."),
        ("decision", "NOTED", "the update."),
        ("action", "OPSG 29/06", ""), ("action", "OPSG 29/07", ""), ("action", "OPSG 29/08", ""),
        ("action", "OPSG 29/09", "")]),
    ("SMETS1 Live Services Criteria – Elster Active", "smets1", [
        ("note", None, "The DCC presented its statement of readiness and supporting evidence for "
         "the SMETS1 Live Service Criteria for the Elster Active Device Model Combination."),
        ("decision", "AGREED", "that a RAG status of Green was achieved for LSC 1, 2, 3, 8 and 9, "
         "and that LSC 6 was AMBER due to the stability of the service."),
        ("decision", "ENDORSED", "the recommendation to the Panel to add the Elster Active DMC to "
         "the EPCL.")]),
    ("CSP N Update", "csp_north", [
        ("note", None, "The DCC presented an action plan for remediation of the CSP N service, "
         "with planned activities to complete by the end of March."),
        ("decision", "NOTED", "the CSP N Update."), ("action", "OPSG 29/10", "")]),
    ("Spurious Alerts", "alerts", [
        ("note", None, "Alerts continue to increase in all CSP regions. A root cause has been "
         "identified that accounts for around 80% of 8F3E Alerts."),
        ("decision", "NOTED", "the update on Alerts."),
        ("action", "OPSG 29/11", ""), ("action", "OPSG 29/12", "")]),
    ("Aged Incidents", "aged_incidents", [
        ("note", None, "The DCC reported a reduction in four of the five categories of aged "
         "Incidents assigned to Service Users."),
        ("decision", "NOTED", "the update on Aged Incidents."), ("action", "OPSG 29/13", "")]),
    ("CH Exceptions", "ch_exceptions", [
        ("note", None, "The volume of CH exceptions continues to increase; for CSP C&S \"no or "
         "incomplete address\" continues to be the biggest issue."),
        ("decision", "NOTED", "the update."), ("action", "OPSG 29/14", "")]),
    ("CH Returns & OMS Update", "ch_returns", [
        ("note", None, "The OPSG were concerned that no fault was found in any of the returned CHs "
         "that had been triaged by the CSPs, and that few FARs had been issued."),
        ("decision", "NOTED", "the update."),
        ("action", "OPSG 29/15", ""), ("action", "OPSG 29/16", ""), ("action", "OPSG 29/17", ""),
        ("action", "OPSG 29/18", "")]),
    ("Operational Metrics Project", None, [
        ("decision", "APPROVED", "the Evaluation Framework.")]),
    ("New Draft Proposals and Modification Proposals", None, [
        ("decision", "NOTED", "the update.")]),
    ("Category 1 vs Category 2", None, [
        ("decision", "NOTED", "the update."),
        ("action", "OPSG 29/19", ""), ("action", "OPSG 29/20", "")]),
    ("\"Rules of Engagement\" for OPSG Party Differences Process", None, [
        ("decision", "APPROVED", "the \"Rules of Engagement\" for the OPSG Party Differences "
         "Process."), ("action", "OPSG 29/21", "")]),
    ("Quarterly Work Package", None, [
        ("decision", "RECOMMENDED", "the Quarterly Work Package for SECCo Board approval.")]),
    ("OPSG Issues Log", None, [("action", "OPSG 29/22", "")]),
    ("Customer Perspective", None, [("note", None, "None proposed.")]),
    ("Any Other Business (AOB)", None, [
        ("note", None, "There was no further business and the Chair closed the meeting.")]),
]


def seed_opsg29_meeting(conn: Connection, catalog: Catalog, actor: str = "demo") -> bool:
    """Add the OPSG_29 meeting record unless there is one (its actions must be seeded first)."""
    from metrics.demo.bootstrap import demo_received_at
    from metrics.workdays import DEADLINE_WORKING_DAYS

    if meeting_record.get_meeting(conn, NUMBER) is not None:
        return False
    frozen = demo_received_at("2020-01", 2 * DEADLINE_WORKING_DAYS) + timedelta(hours=1)
    meeting = meeting_record.create_meeting(conn, catalog, {
        "number": NUMBER, "held_on": "2020-02-04", "times": "10:00 – 16:30", "month": "2020-01",
        "place": "Gemserv, 8 Fenchurch Place, London, EC3M 4AJ", "figures_as_of": frozen.isoformat(),
        **PEOPLE, "agenda": [(title, slide) for title, slide, _ in AGENDA]}, actor)
    known = set(conn.execute(select(schema.actions.c.ref)).scalars())
    for item, (_, _, entries) in zip(meeting["items"], AGENDA):
        for kind, verb, text in entries:
            ref = verb if kind == "action" else None
            if ref and ref not in known:
                continue
            conn.execute(insert(schema.meeting_entries).values(
                item_id=item["id"], kind=kind, verb=None if kind != "decision" else verb,
                text=text, action_ref=ref, created_at=utcnow(), created_by=actor))
    audit(conn, actor, "meeting_seeded", NUMBER, source="OPSG_29 final minutes (public, White)",
          entries=sum(len(e) for *_, e in AGENDA))
    return True
