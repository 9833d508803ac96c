"""The one message widget: what an action did, or why it did nothing.

Colour, an icon and words together (never colour alone); announced to screen readers as a status
(done) or an alert (refused). Every page's callbacks answer with it.
"""
from __future__ import annotations

from dash import html

TONES = {True: ("✓", "feedback-done", "status"), False: ("!", "feedback-error", "alert")}


def message(text: str | list[str], ok: bool = True, *, element_id: str | None = None) -> html.Div:
    """'✓ Saved OPSG 24/02.' or '! Nothing was saved:' with one line per item of a list."""
    icon, tone, role = TONES[bool(ok)]
    lines = text if isinstance(text, list) else [text]
    body = html.Div([html.Div(line) for line in lines]) if len(lines) > 1 else html.Div(lines[0])
    head = html.Div([html.Span(icon, className="feedback-icon", **{"aria-hidden": "true"}), body],
                    className=f"feedback-head {tone}", role=role)
    return html.Div(head, className="feedback feedback-message",
                    **({"id": element_id} if element_id else {}))
