"""The minutes' pure pieces: the committee's sentences, the attendee lines, meeting numbers and
Markdown escaping."""
from __future__ import annotations

import pytest

from metrics.meeting import record as meeting_record, minutes
from metrics.accounts.users import User

OTA_NORTH = {"metric": "ota_success_rate", "title": "OTA firmware success", "unit": "%", "decimals": 2,
             "direction": "higher_is_better", "dimension": "csp_region", "dimension_value": "North",
             "month": "2020-01", "value": 87.07, "previous_month": "2019-12", "previous_value": 84.71,
             "change": 87.07 - 84.71, "rag": "red", "target": 99.0, "minimum": 95.0,
             "months_not_green": 4, "history_months": 24}


def test_min001_sentences_in_the_committees_words():
    assert minutes.minutes_sentence(OTA_NORTH) == (
        "In January 2020 CSP N OTA firmware success was at 87.07%, up 2.36 points from 84.71% in "
        "December 2019; Red against the 99% target, not Green for the 4th month running.")
    incidents = {**OTA_NORTH, "metric": "incidents_total", "title": "Incidents", "unit": "count",
                 "decimals": 0, "direction": "lower_is_better", "dimension": None, "dimension_value": None,
                 "value": 15.0, "previous_value": 15.0, "change": 0.0, "target": 6.0,
                 "months_not_green": 24}
    assert minutes.minutes_sentence(incidents) == (
        "In January 2020 there were 15 Incidents, unchanged from 15 in December 2019; Red against "
        "the target of 6 or fewer, not Green in any of the last 24 months.")
    major = {**incidents, "title": "Major incidents (category 1-2)", "value": 0.0, "rag": "green",
             "previous_value": 2.0, "change": -2.0, "target": 0.0}
    assert minutes.minutes_sentence(major) == ("In January 2020 there were 0 major incidents "
                                               "(category 1-2), down 2 from 2 in December 2019; "
                                               "Green against the target of 0 or fewer.")
    total = {**OTA_NORTH, "dimension": None, "dimension_value": None, "split": True, "value": None}
    assert minutes.minutes_sentence(total) == ("There was no figure for OTA firmware success across "
                                               "all regions for January 2020.")
    cs = {**OTA_NORTH, "dimension_value": "Central & South", "previous_value": None}
    assert minutes.minutes_sentence(cs).startswith("In January 2020 CSP C&S OTA firmware success was "
                                                   "at 87.07%; Red")


def test_min002_people_lines_and_numbers():
    problems: list = []
    people = meeting_record.parse_people("DCC: Mo Asif\nAlex Henighan\n\nSECAS: Tim Hall\nBad:\n",
                                         "others", problems)
    assert [(p["category"], p["name"]) for p in people] == [("DCC", "Mo Asif"), ("DCC", "Alex Henighan"),
                                                           ("SECAS", "Tim Hall")]
    assert problems and "line 5" in problems[0][2]
    assert meeting_record.people_text(people, "others") == "DCC: Mo Asif\nAlex Henighan\nSECAS: Tim Hall"
    assert [meeting_record.normalise_number(t) for t in ("OPSG_30", "opsg 30", " 7 ", "OPSG30", "30/01", "")] == [
        "OPSG_30", "OPSG_30", "OPSG_7", "OPSG_30", None, None]
    with pytest.raises(meeting_record.MeetingError) as caught:
        meeting_record.clean_meeting({"number": "next", "held_on": "soon", "month": ""})
    assert [f for f, _, _ in caught.value.problems] == ["number", "held_on", "month"]


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "{{ 7*7 }}", "=cmd|' /C calc'!A0",
                                  "**not bold** _nor_ `code`", "[link](javascript:x)", "# heading",
                                  "- not a list", "1. not a list", "a | b", "bell\x07 and nul\x00"])
def test_min003_markdown_keeps_hostile_text_as_text(text):
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").render(minutes.md_escape(text))
    assert rendered.startswith("<p>") and rendered.count("<") == 2, rendered  # one paragraph, no markup
    assert "\x07" not in minutes.safe(text) and "\x00" not in minutes.safe(text)


def test_min004_secretary_sits_beside_uploader():
    secretary, uploader = User(1, "s", "secretary"), User(2, "u", "uploader")
    assert secretary.can("secretary") and secretary.can("viewer") and not secretary.can("uploader")
    assert not uploader.can("secretary") and not secretary.can("admin")
    assert User(3, "a", "admin").can("secretary") and not User(4, "v", "viewer").can("secretary")
