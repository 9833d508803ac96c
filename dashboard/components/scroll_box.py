"""A wide table in a box of its own that scrolls sideways (its first column stays in view), so the
page never does: focusable and named, so a keyboard user can scroll it too."""
from __future__ import annotations

from dash import html


def scroll_box(table, label: str, box_id: str | None = None) -> html.Div:
    extra = {"id": box_id} if box_id else {}
    return html.Div(table, className="table-scroll", tabIndex="0", role="region",
                    **{"aria-label": label}, **extra)
