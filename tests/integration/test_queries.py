"""Read-side helpers: months with figures, completeness with late flags, the data version."""
from sqlalchemy import insert

from metrics.store import schema
from metrics.ingest.write import ingest
from metrics.read.queries import completeness, data_version, months_with_figures
from metrics.store.engine import utcnow


def test_qry001_months_with_figures_and_as_of(store, catalog):
    assert ingest(store, catalog, b"month,category,count\n2020-03,1,2\n2019-11,2,1\n", "i.csv").outcome == "accepted"
    with store.read() as conn:
        assert months_with_figures(conn) == ["2019-11", "2020-03"]
        assert months_with_figures(conn, as_of=utcnow().replace(year=2000)) == []


def test_qry002_completeness_shows_status_and_late_flag(store, catalog):
    ingest(store, catalog, b"month,category,count\n2020-01,1,2\n", "i.csv", status="final")
    ingest(store, catalog, b"month,csp_region,attempted,succeeded\n2020-01,North,10,9\n", "o.csv")
    with store.write() as conn:
        conn.execute(insert(schema.late_flags).values(dataset="ota_firmware", month="2020-01",
                                                      deadline="2020-02-14", state="provisional",
                                                      raised_at=utcnow()))
    with store.read() as conn:
        rows = {r["dataset"]: r for r in completeness(conn, catalog, "2020-01")}
    assert rows["incidents"]["status"] == "final" and rows["incidents"]["late_since"] is None
    assert rows["ota_firmware"]["status"] == "provisional"
    assert rows["ota_firmware"]["late_since"] == "2020-02-14"
    assert rows["alerts"]["status"] == "missing"


def test_qry003_data_version_moves_with_every_change(store, catalog):
    with store.read() as conn:
        empty = data_version(conn)
    ingest(store, catalog, b"month,category,count\n2020-01,1,2\n", "i.csv")
    with store.read() as conn:
        first = data_version(conn)
    ingest(store, catalog, b"month,category,count\n2020-01,1,3\n", "i.csv", reason="fix")
    with store.read() as conn:
        second = data_version(conn)
    with store.write() as conn:
        conn.execute(insert(schema.thresholds).values(metric="incidents_total", target=1, minimum=2,
                                                      effective_from="2021-01", created_at=utcnow(),
                                                      created_by="t"))
    with store.read() as conn:
        third = data_version(conn)
    assert len({empty, first, second, third}) == 4
