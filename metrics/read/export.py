"""Export the figures in force as a workbook in upload format (a sheet per dataset).

Text is written as XLSX string cells, exactly as stored: a string cell is never a formula, so it
needs no guard (the leading-apostrophe guard is for CSV, where a reader cannot tell). Exporting
and uploading the export again changes nothing.
"""
from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
from openpyxl import Workbook
from sqlalchemy import Connection, select

from metrics.store import schema
from metrics.catalog import Catalog
from metrics.ingest.plan import read_revision_frame
from metrics.read.queries import revisions_in_force

def dataset_frame(conn: Connection, catalog: Catalog, dataset: str, as_of: datetime | None = None
                  ) -> pd.DataFrame:
    """Every row in force for a dataset, with its month and the dataset's column names."""
    ds = catalog.datasets[dataset]
    rev = revisions_in_force(dataset, as_of)
    frames = []
    for rev_id, month, status in conn.execute(select(rev.c.id, rev.c.month, rev.c.status)
                                              .order_by(rev.c.month)):
        frame = read_revision_frame(conn, ds, rev_id)
        if not ds.notes:
            frame.insert(0, "month", month)
        frames.append(frame.assign(status=status))
    if not frames:
        return pd.DataFrame(columns=[*([] if ds.notes else ["month"]), *ds.dimensions, *ds.measures])
    return pd.concat(frames, ignore_index=True)


def logical_dump(conn: Connection, catalog: Catalog, as_of: datetime | None = None) -> dict:
    """All figures in force as plain sorted records per dataset (tests compare these)."""
    out = {}
    for name in catalog.datasets:
        frame = dataset_frame(conn, catalog, name, as_of)
        frame = frame.astype(object).where(frame.notna(), None)
        out[name] = sorted(tuple(r) for r in frame.itertuples(index=False, name=None))
    return out


def export_workbook(conn: Connection, catalog: Catalog, as_of: datetime | None = None) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, ds in catalog.datasets.items():
        frame = dataset_frame(conn, catalog, name, as_of)
        sheet = wb.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False, name=None):
            sheet.append([None if (isinstance(v, float) and pd.isna(v)) else v for v in row])
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # openpyxl reads '=…' text as a formula: keep it text
                    cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
