"""Property tests (issue 9.9, ingest half): whatever the bytes, CSV text or cell values, parsing an
upload either accepts it or returns located errors — it never raises. Bounded for CI: a fixed
number of examples per property, no deadline (the machine is shared)."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.catalog import load_catalog
from metrics.errors import UploadError
from metrics.ingest.write import ingest
from metrics.upload.validate import parse_upload
from metrics.store.engine import Store
from tests.badfiles import SHEET, dangling_shared_string_xlsx, replace_member, xlsx_bytes

CATALOG = load_catalog()
BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADERS = {name: [c.name for c in ds.columns] for name, ds in CATALOG.datasets.items()}


def assert_accepted_or_located(result, filename: str) -> None:
    if result.ok:
        assert result.tables, "accepted, so it holds at least one table"
        return
    assert not result.tables
    for error in result.errors:
        assert isinstance(error, UploadError)
        assert error.sheet and isinstance(error.message, str) and error.message
        assert error.row is None or (isinstance(error.row, int) and error.row >= 1)
        assert error.column is None or isinstance(error.column, str)


@BOUNDED
@given(data=st.binary(max_size=2000), name=st.sampled_from(["u.csv", "u.xlsx", "u", "u.png"]))
def test_prop001_arbitrary_bytes(data, name):
    assert_accepted_or_located(parse_upload(data, name, CATALOG), name)


zip_like = st.builds(lambda head, tail: head + tail, st.just(b"PK\x03\x04"), st.binary(max_size=500))


@BOUNDED
@given(data=zip_like)
def test_prop002_arbitrary_bytes_that_look_like_a_zip(data):
    assert_accepted_or_located(parse_upload(data, "u.xlsx", CATALOG), "u.xlsx")


cell_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["2020-01", "Jan-20", "31/01/2020", "North", "SMETS2", "8F3E", "1", "0",
                     "-3", "2.5", "87.07%", "1,000", "(5)", "99999999999999999999", "1e5",
                     "nan", "inf", '"', "=1+2", ""]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str))


@st.composite
def csv_texts(draw):
    dataset = draw(st.sampled_from(sorted(HEADERS)))
    header = draw(st.permutations(HEADERS[dataset]))[: draw(st.integers(1, len(HEADERS[dataset])))]
    rows = draw(st.lists(st.lists(cell_text, min_size=0, max_size=len(header) + 2), max_size=8))
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=draw(st.sampled_from([",", ";", "\t"])))
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


@BOUNDED
@given(text=st.one_of(csv_texts(), st.text(max_size=300)), encoding=st.sampled_from(
    ["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_prop003_arbitrary_csv_text(text, encoding):
    data = text.encode(encoding, errors="replace")
    assert_accepted_or_located(parse_upload(data, "upload.csv", CATALOG), "upload.csv")


cell_value = st.one_of(
    st.none(), st.booleans(), cell_text,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=False),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2200, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2200, 1, 1)),
    st.times())


def _openpyxl_safe(value):
    """openpyxl refuses control characters when writing; that is the writer, not the reader."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n")
    return value


@BOUNDED
@given(dataset=st.sampled_from(sorted(HEADERS)),
       rows=st.lists(st.lists(cell_value.map(_openpyxl_safe), max_size=7), max_size=6),
       number_format=st.sampled_from([None, "0.00%", "0", "yyyy-mm-dd", "mmm-yy"]))
def test_prop004_arbitrary_cell_values_in_a_workbook(dataset, rows, number_format):
    formats = ({(dataset, f"{col}2"): number_format for col in "ABC"} if number_format and rows
               else None)
    data = xlsx_bytes({dataset: [HEADERS[dataset], *rows]}, formats)
    assert_accepted_or_located(parse_upload(data, "upload.xlsx", CATALOG), "upload.xlsx")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=csv_texts())
def test_prop005_ingest_of_arbitrary_csv_never_raises(text, tmp_path_factory):
    """Through the whole ingest on SQLite: accepted, unchanged or rejected with located errors."""
    store = _store(tmp_path_factory)
    report = ingest(store, CATALOG, text.encode(), "upload.csv", reason="property test")
    assert report.outcome in {"accepted", "unchanged", "rejected"}
    assert (report.outcome == "rejected") == bool(report.errors)
    assert all(e.sheet and e.message for e in report.errors)


_STORES: dict = {}


def _store(factory) -> Store:
    if "store" not in _STORES:
        store = Store(f"sqlite:///{factory.mktemp('prop') / 'prop.db'}")
        store.migrate()
        _STORES["store"] = store
    return _STORES["store"]


def test_prop006_a_valid_file_is_accepted():
    """The accepting branch of ``assert_accepted_or_located`` is reachable."""
    result = parse_upload(b"month,category,count\r\n2020-01,1,3\r\n", "upload.csv", CATALOG)
    assert result.ok and set(result.tables) == {"incidents"}


_BOOK = xlsx_bytes({"incidents": [["month", "category", "count"], ["2020-01", 1, 0],
                                  ["2020-01", 2, 3], ["2020-02", 1, 7]]})
_SHEET_XML = zipfile.ZipFile(io.BytesIO(_BOOK)).read(SHEET)


@BOUNDED
@given(cut=st.integers(0, len(_SHEET_XML)), junk=st.binary(max_size=40),
       index=st.integers(-5, 10**6))
def test_prop007_damaged_sheet_xml_is_a_located_error(cut, junk, index):
    """A real workbook's sheet cut anywhere, with anything after the cut, or with a shared-string
    index anywhere: accepted or located errors, never an exception."""
    damaged = replace_member(_BOOK, SHEET, _SHEET_XML[:cut] + junk)
    assert_accepted_or_located(parse_upload(damaged, "cut.xlsx", CATALOG), "cut.xlsx")
    dangling = dangling_shared_string_xlsx().replace(b"<v>99</v>", b"<v>%d</v>" % index)
    assert_accepted_or_located(parse_upload(dangling, "dangling.xlsx", CATALOG), "dangling.xlsx")


@BOUNDED
@given(count=st.one_of(st.integers(0, 10**13), st.integers(0, 10**40)),
       grouped=st.booleans(), as_cell=st.booleans())
def test_prop008_a_count_is_stored_exactly_or_refused_where_it_is(count, grouped, as_cell):
    text = f"{count:,}" if grouped else str(count)
    if as_cell:  # an XLSX number cell (an int: openpyxl keeps it exact)
        result = parse_upload(xlsx_bytes({"incidents": [["month", "category", "count"],
                                                        ["2020-01", 1, count]]}), "i.xlsx", CATALOG)
        where = ("incidents", 2, "count")
    else:
        result = parse_upload(f'month,category,count\n2020-01,1,"{text}"\n'.encode(), "i.csv",
                              CATALOG)
        where = ("i.csv", 2, "count")
    if count <= 10**12:
        assert result.ok, result.errors
        assert int(result.tables["incidents"]["count"].iloc[0]) == count
    else:
        assert [(e.sheet, e.row, e.column) for e in result.errors] == [where]
        assert "is more than 1,000,000,000,000" in result.errors[0].message
