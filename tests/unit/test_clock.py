"""The injectable clock: a manual clock stands still until a test moves it."""
from datetime import datetime, timedelta

from metrics.clock import SYSTEM, ManualClock
from metrics.store.engine import Store


def test_clk001_manual_clock_moves_only_when_told():
    clock = ManualClock(datetime(2024, 3, 1, 9, 0))
    assert clock.now() == clock.now() == datetime(2024, 3, 1, 9, 0)
    assert clock.advance(minutes=30) == datetime(2024, 3, 1, 9, 30) == clock.now()


def test_clk002_system_clock_is_naive_utc_and_the_store_default(tmp_path):
    before = SYSTEM.now()
    assert before.tzinfo is None and abs(SYSTEM.now() - before) < timedelta(minutes=1)
    assert Store(f"sqlite:///{tmp_path / 'x.db'}").clock is SYSTEM
