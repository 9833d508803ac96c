"""Reading an XLSX upload. The zip is checked before openpyxl sees it (a DOCTYPE/ENTITY in any
XML part, or an unpacked size over 20x ``max_bytes``, 200 MB at most, refuses it); a sheet is then
read element by element, only the cells it really has, within the limits, and a workbook that
cannot be read is a located "damaged" error, never an exception.
"""
from __future__ import annotations

import io
import warnings
import zipfile

import numpy as np

from metrics.catalog import Catalog, normalise_name
from metrics.errors import ErrorLog, or_list
from metrics.upload import limits
from metrics.upload.cells import cell_text
from metrics.upload.limits import Budget, Stop, column_letter, megabytes, too_long, too_many_columns, too_many_rows
from metrics.upload.sheets import DAMAGED, NOT_A_TABLE, Sheet, candidates, find_header

MAX_UNPACKED = 200_000_000
_XML_BOMBS = tuple(p.encode(enc) for p in ("<!doctype", "<!entity")
                   for enc in ("ascii", "utf-16-le", "utf-16-be"))


def xlsx_problem(data: bytes, max_bytes: int) -> str | None:
    """Why a zip is refused before parsing (damaged, bomb-sized, DOCTYPE/ENTITY), or None."""
    limit = min(20 * max_bytes, MAX_UNPACKED)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > limit or len(infos) > 10_000:
                return (f"the workbook unpacks to {megabytes(total)} in {len(infos):,} parts (limit "
                        f"{megabytes(limit)}); refused as a possible zip bomb — save it again as .xlsx")
            for info in infos:
                xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
                if xml and _has_dtd(zf, info):
                    return (f"the workbook part {info.filename} declares a DOCTYPE or ENTITY, "
                            "which spreadsheets never need; refused as a possible "
                            "entity-expansion attack")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError,
            NotImplementedError, EOFError) as exc:
        return f"the file looks like an XLSX workbook but is damaged ({exc}); save it again"
    return None


def _has_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    tail = b""
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 20):
            window = tail + chunk.lower()
            if any(p in window for p in _XML_BOMBS):
                return True
            tail = window[-24:]
    return False


_DEFUSED = False


def _openpyxl():
    """openpyxl, with the standard library's XML parsers defused first (once)."""
    global _DEFUSED
    if not _DEFUSED:
        import defusedxml

        with warnings.catch_warnings():  # it imports its own deprecated cElementTree
            warnings.simplefilter("ignore", DeprecationWarning)
            defusedxml.defuse_stdlib()
        _DEFUSED = True
    import openpyxl

    return openpyxl


def read_xlsx(data: bytes, name: str, catalog: Catalog, dataset: str | None, max_bytes: int,
              ignored: list[str], log: ErrorLog) -> list[Sheet]:
    """The workbook's dataset sheets; the names of the sheets left out are added to ``ignored``."""
    problem = xlsx_problem(data, max_bytes)
    if problem:
        log.add(name, None, None, None, problem)
        return []
    try:
        book = open_workbook(data)
    except Exception as exc:  # openpyxl raises many kinds for a zip that is not a workbook
        log.add(name, None, None, None, f"{NOT_A_TABLE}: the zip could not be read as an XLSX "
                f"workbook; {DAMAGED.format(type(exc).__name__)} as .xlsx")
        return []
    try:
        chosen = _choose_sheets(book, name, catalog, dataset, log)
        ignored.extend(s for s in book.sheetnames if s not in chosen)
        budget, sheets = Budget(), []
        for title, ds in chosen.items():
            try:
                sheets.append(_sheet_from(book[title], ds, catalog, budget, log))
            except Stop:
                pass
            except Exception as exc:  # truncated XML, a bad zip member, a value openpyxl rejects
                log.add(title, None, None, None, DAMAGED.format(_damage(exc)))
        return sheets
    finally:
        book.close()


def _damage(exc: Exception) -> str:
    """What went wrong reading a sheet, in a few words."""
    kind = type(exc).__name__
    if "ParseError" in kind or "XMLSyntax" in kind:
        return f"its XML is cut short or invalid: {str(exc)[:80]}"
    if isinstance(exc, zipfile.BadZipFile):
        return f"a part of the zip is corrupt: {str(exc)[:80]}"
    return f"{kind}: {str(exc)[:80]}" if str(exc) else kind


def _choose_sheets(book, name: str, catalog: Catalog, dataset: str | None,
                   log: ErrorLog) -> dict[str, str | None]:
    """Sheet title -> dataset (None: recognise it from the header row)."""
    titles = [ws.title for ws in book.worksheets]
    by_name = {}
    for ds in catalog.datasets.values():
        by_name.setdefault(normalise_name(ds.title), ds.name)
        by_name[normalise_name(ds.name)] = ds.name
    if dataset and len(titles) == 1:
        return {titles[0]: dataset}
    chosen = {t: by_name[normalise_name(t)] for t in titles if normalise_name(t) in by_name}
    if dataset:
        chosen = {t: d for t, d in chosen.items() if d == dataset}
    if not chosen and len(titles) == 1 and not dataset:
        return {titles[0]: None}
    if not chosen:
        wanted = f"'{dataset}'" if dataset else f"a dataset ({or_list(catalog.datasets)})"
        log.add(name, None, None, None, f"no sheet is named after {wanted}; the sheets are "
                f"{or_list([repr(t) for t in titles], 'and')}. Name each sheet after its dataset")
    return chosen


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _DATA = _NS + "row", _NS + "c", _NS + "sheetData"


def _sheet_records(ws, budget: Budget, log: ErrorLog):
    """(row number, cell texts) of each row holding a value, reading only the cells the sheet
    XML really has (openpyxl's own reader pads every row to its widest column) and stopping at the
    first limit reached. Cell values are decoded by openpyxl's parser, one cell at a time."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import WorkSheetParser

    book, title = ws.parent, ws.title
    shared = ws._shared_strings
    formats: dict[int, str] = {}

    def number_format(style_id: int) -> str:
        if style_id not in formats:
            formats[style_id] = ReadOnlyCell(ws, 0, 0, None, "n", style_id).number_format
        return formats[style_id]

    with ws._get_source() as src:
        parser = WorkSheetParser(src, shared, data_only=True, epoch=book.epoch,
                                 date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
        stack: list = []  # the open elements, root first
        in_cell = row_elements = number = 0
        cells: dict[int, str] = {}
        for event, el in iterparse(src, events=("start", "end")):
            if event == "start":
                stack.append(el)
                if el.tag == _CELL or in_cell:
                    in_cell += 1
                elif el.tag == _ROW:
                    row_elements += 1
                    number = int(el.get("r") or parser.row_counter + 1)
                    parser.row_counter, parser.col_counter, cells = number, 0, {}
                    if row_elements > limits.LIMITS.rows or number > limits.LIMITS.rows:
                        too_many_rows(log, title, number)
                continue
            stack.pop()
            if in_cell:
                in_cell -= 1
                if in_cell:
                    continue  # a cell's value: read with the cell
            if el.tag == _CELL:
                _read_cell(el, parser, cells, number, title, budget, log, number_format)
            elif el.tag == _ROW and cells:
                width = max(cells)
                budget.spend(width, log, title, number)
                texts = [""] * width
                for column, text in cells.items():
                    texts[column - 1] = text
                if any(t.strip() for t in texts):
                    yield number, texts
            if stack:
                stack[-1].clear()  # drop what was read: memory stays flat whatever the XML holds


def _read_cell(el, parser, cells: dict[int, str], number: int, title: str, budget: Budget,
               log: ErrorLog, number_format) -> None:
    """One cell element into ``cells`` ({column: text}), checked against the limits."""
    shared = parser.shared_strings
    if el.get("t") == "s":
        index = (el.findtext(_NS + "v") or "").strip()
        if index and not (index.isdigit() and int(index) < len(shared)):
            ref = el.get("r") or ""
            log.add(title, number, ref.rstrip("0123456789") or None, index, DAMAGED.format(
                f"cell {ref} points to shared string {index}, which does not exist"))
            raise Stop
    cell = parser.parse_cell(el)
    value, column = cell["value"], cell["column"]
    if value is None or value == "":
        budget.spend(1, log, title, number)
        return
    if column > limits.LIMITS.columns:
        too_many_columns(log, title, number, column)
    text = cell_text(value, number_format(cell["style_id"]) if type(value) in (int, float) else None)
    if len(text) > limits.LIMITS.cell_chars:
        too_long(log, title, number, column_letter(column - 1), len(text))
    cells[column] = text


def _sheet_from(ws, dataset: str | None, catalog: Catalog, budget: Budget,
                log: ErrorLog) -> Sheet:
    """A worksheet's non-blank rows as text, with their real row numbers."""
    records = list(_sheet_records(ws, budget, log))
    index = find_header(records, candidates(catalog, dataset))
    if index is None:
        return Sheet(ws.title, dataset, [], 1, [], np.zeros(0, dtype=np.int64))
    header_row, header = records[index]
    body = records[index + 1:]
    width = max([len(header), *(len(cells) for _, cells in body)])
    columns = [np.array([cells[j] if j < len(cells) else "" for _, cells in body], dtype=object)
               for j in range(width)]
    rows = np.array([n for n, _ in body], dtype=np.int64)
    return Sheet(ws.title, dataset, [h.strip() for h in header], header_row, columns, rows)


def open_workbook(data: bytes):
    """The workbook read-only with values only (openpyxl, XML defused). Check ``xlsx_problem``
    first; openpyxl raises many kinds of exception for a zip that is not a workbook."""
    return _openpyxl().load_workbook(io.BytesIO(data), read_only=True, data_only=True)


def sheet_rows(ws, log: ErrorLog) -> list[tuple[int, list[str]]] | None:
    """(row number, cell texts) of each row of ``ws`` holding a value, read within ``Limits``
    like a figures upload's sheet; None when it could not be read (the located error is logged)."""
    try:
        return list(_sheet_records(ws, Budget(), log))
    except Stop:
        return None
    except Exception as exc:  # truncated XML, a bad zip member, a value openpyxl rejects
        log.add(ws.title, None, None, None, DAMAGED.format(_damage(exc)))
        return None
