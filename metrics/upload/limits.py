"""How much of an upload is read at most (``Limits``), and the located errors past each limit.

Readers check against ``LIMITS`` when they run (a test may set a smaller one), spend an
upload's cells from one ``Budget``, and stop with ``Stop`` once the error is logged.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from metrics.errors import ErrorLog


@dataclass(frozen=True)
class Limits:
    """How much of an upload is read at most; past any of these the upload is refused where it is.

    ``cells`` counts, per upload, every cell of a row up to its last value plus every empty cell
    element an XLSX lists, so that what is held in memory never exceeds it.
    """
    rows: int = 1_000_000  # per sheet (or CSV file), by row number
    columns: int = 200  # per sheet: the last column holding a value, at most column GR
    cells: int = 5_000_000  # per upload
    cell_chars: int = 32_767  # per cell: Excel's own limit
    row_chars: int = 1_000_000  # per CSV row, separators and quotes included


LIMITS = Limits()


class Stop(Exception):
    """A limit was reached or the file cannot be read; the located error is already logged."""


@dataclass
class Budget:
    """The cells an upload may still use (shared by its sheets)."""
    cells: int = field(default_factory=lambda: LIMITS.cells)

    def spend(self, n: int, log: "ErrorLog", sheet: str, row: int) -> None:
        self.cells -= n
        if self.cells < 0:
            log.add(sheet, row, None, None, f"the upload holds more than {LIMITS.cells:,} cells "
                    "(counting each row up to its last value); split it, or upload one dataset "
                    "at a time")
            raise Stop


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def column_letter(j: int) -> str:
    """0 -> 'A', 26 -> 'AA': the spreadsheet's name for a column position."""
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def too_many_columns(log: "ErrorLog", sheet: str, row: int, last: int) -> None:
    log.add(sheet, row, column_letter(last - 1), None, f"row {row} uses column "
            f"{column_letter(last - 1)}; at most {LIMITS.columns} columns (A to "
            f"{column_letter(LIMITS.columns - 1)}) are read — delete the columns beyond")
    raise Stop


def too_long(log: "ErrorLog", sheet: str, row: int, column: str | None, size: int) -> None:
    log.add(sheet, row, column, None, f"the cell holds {size:,} characters; at most "
            f"{LIMITS.cell_chars:,} are read")
    raise Stop


def too_many_rows(log: "ErrorLog", sheet: str, row: int) -> None:
    log.add(sheet, row, None, None, f"the sheet goes on past row {LIMITS.rows:,}, the most that "
            "is read; split it into several uploads")
    raise Stop
