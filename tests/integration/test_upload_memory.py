"""Small files that eat memory (issue 9.4): the peak memory of an upload stays under about
10 × its unpacked size + 200 MB.

Each upload runs through the real ``ingest`` (on SQLite) in a fresh subprocess, after a warm-up
upload of each kind, so imports and first-use caches are not counted. What is measured is the
process's peak resident set growth: the kernel's high-water mark (``VmHWM``) is reset through
``/proc/self/clear_refs`` just before the upload and read just after — RSS rather than
tracemalloc, because pandas' and the XML parser's C allocations are invisible to tracemalloc.
The subprocess runs under an address-space cap a little above the budget, so code that would
take gigabytes fails the test with a MemoryError instead of taking the shared machine down.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.badfiles import wide_csv, xfd_xlsx, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
MB = 1_000_000

MEASURE = r"""
import json, os, resource, sys
from metrics.catalog import load_catalog
from metrics.ingest.write import ingest
from metrics.store.engine import Store
from tests.badfiles import xlsx_bytes

path, name, budget, db = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
data = open(path, "rb").read()
catalog = load_catalog()
store = Store(f"sqlite:///{db}")
store.migrate()
ingest(store, catalog, b"month,csp_region,installed\n2019-01,North,2\n", "warm.csv")
ingest(store, catalog, xlsx_bytes({"ch_installs": [["month", "csp_region", "installed"],
                                                   ["2019-02", "North", 2]]}), "warm.xlsx")

def status(field):
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) * 1024 for l in fh if l.startswith(field + ":"))

vm = status("VmSize")
resource.setrlimit(resource.RLIMIT_AS, (vm + 2 * budget + 300_000_000, resource.RLIM_INFINITY))
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset the peak RSS (VmHWM) to the current RSS
before = status("VmRSS")
try:
    report = ingest(store, catalog, data, name)
    outcome, errors = report.outcome, [str(e)[:200] for e in report.errors[:3]]
except MemoryError:
    outcome, errors = "MemoryError", []
print(json.dumps({"growth": status("VmHWM") - before, "outcome": outcome, "errors": errors}))
"""


def unpacked_size(data: bytes) -> int:
    if data[:4] == b"PK\x03\x04":
        return sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    return len(data)


def big_alerts_csv() -> bytes:
    """A legitimate 150,000-row alerts CSV (about 6 MB)."""
    lines = ["month,csp_region,smets_generation,alert_code,count,superfluous"]
    for i in range(150_000):
        month = f"{2018 + i // 37_500}-{1 + (i // 3125) % 12:02d}"
        lines.append(f"{month},{('North', 'Central', 'South')[i % 3]},SMETS{1 + i // 3 % 2},"
                     f"{0x8000 + i // 6 % 600:04X},{i % 997},{i % 997 // 3}")
    return ("\n".join(lines) + "\n").encode()


def big_incidents_xlsx() -> bytes:
    """A legitimate workbook: 48 months × 5 categories of incidents, and 20,000 annotations."""
    incidents = [["month", "category", "count"]] + [
        [f"{2018 + m // 12}-{1 + m % 12:02d}", c, m * c] for m in range(48) for c in range(1, 6)]
    notes = [["date", "title", "detail"]] + [
        [f"20{18 + i // 5000}-{1 + i % 12:02d}-{1 + i % 28:02d}", f"Note {i}", "x" * 200]
        for i in range(20_000)]
    return xlsx_bytes({"incidents": incidents, "annotations": notes})


CASES = {
    "xlsx_cell_in_column_xfd": ("xfd.xlsx", xfd_xlsx, "rejected"),
    "csv_one_row_of_five_million_fields": ("wide.csv", wide_csv, "rejected"),
    "legit_150k_row_csv": ("alerts.csv", big_alerts_csv, "accepted"),
    "legit_workbook": ("monthly.xlsx", big_incidents_xlsx, "accepted"),
}


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc")
@pytest.mark.parametrize("case", list(CASES))
def test_mem001_peak_memory_of_an_upload_is_bounded(case, tmp_path):
    filename, build, outcome = CASES[case]
    data = build()
    budget = 10 * unpacked_size(data) + 200 * MB
    path = tmp_path / filename
    path.write_bytes(data)
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), filename, str(budget), str(tmp_path / "m.db")],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"{case}: {len(data):,} bytes, unpacked {unpacked_size(data):,}; peak RSS growth "
          f"{measured['growth'] / MB:,.1f} MB (budget {budget / MB:,.0f} MB)")
    assert measured["outcome"] == outcome, measured
    assert measured["growth"] < budget, measured
