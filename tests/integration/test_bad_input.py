"""Every bad file of the corpus is refused through ingest with located errors, and nothing changes."""
import pytest

from metrics.demo.bootstrap import load_demo
from metrics.read.export import logical_dump
from metrics.ingest.write import ingest
from tests.badfiles import bad_files


@pytest.fixture
def loaded(store, catalog):
    # A little of the demo is enough to prove nothing moves; the whole demo on PostgreSQL is slower.
    ingest(store, catalog, b"month,csp_region,attempted,succeeded\n2020-01,North,100,87\n", "ota.csv")
    ingest(store, catalog, b"month,category,count\n2020-01,1,2\n", "incidents.csv")
    return store


def test_bad001_corpus_refused_and_figures_unchanged(loaded, catalog):
    cases = bad_files(catalog)
    assert len(cases) >= 15
    with loaded.read() as conn:
        before = logical_dump(conn, catalog)
    for case in cases:
        report = ingest(loaded, catalog, case.data, case.filename, dataset=case.dataset,
                        reason="test")
        assert report.outcome == "rejected", case.name
        located = {(e.sheet, e.row, e.column) for e in report.errors}
        for sheet, row, column, fragment in case.expected:
            assert (sheet, row, column) in located, (case.name, sorted(located, key=str))
            assert any(fragment in e.message for e in report.errors
                       if (e.sheet, e.row, e.column) == (sheet, row, column)), (case.name, fragment)
        with loaded.read() as conn:
            assert logical_dump(conn, catalog) == before, case.name
