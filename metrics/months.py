"""Month arithmetic on 'YYYY-MM' strings, and parsing of "as of" moments."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def is_month(text) -> bool:
    return isinstance(text, str) and bool(MONTH_RE.match(text))


def check_month(text: str, label: str = "month") -> str:
    if not is_month(text):
        raise ValueError(f"{label} must be a month YYYY-MM, not {text!r}")
    return text


def add_months(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(start: str, end: str) -> list[str]:
    """Every month from start to end inclusive."""
    out, month = [], start
    while month <= end:
        out.append(month)
        month = add_months(month, 1)
    return out


def month_label(month: str, style: str = "long") -> str:
    """'2020-01' -> 'January 2020' (long) or 'Jan 2020' (short)."""
    dt = datetime(int(month[:4]), int(month[5:7]), 1)
    return dt.strftime("%B %Y" if style == "long" else "%b %Y")


def parse_as_of(text: str | None) -> datetime | None:
    """An "as of" moment as naive UTC: a date means the end of that day; ISO 8601 timestamps too."""
    if text is None or str(text).strip() == "":
        return None
    text = str(text).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = datetime.strptime(text, "%Y-%m-%d")
        return day + timedelta(days=1) - timedelta(microseconds=1)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"as_of must be a date YYYY-MM-DD or an ISO 8601 timestamp, not {text!r}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
