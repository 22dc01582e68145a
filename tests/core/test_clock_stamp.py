"""The stored form of a time: ``stamp`` writes exactly what ``isoformat`` did, for any time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from catapult_sim.core.clock import parse_iso, stamp

OFFSETS = st.builds(lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-23 * 60 - 59, 23 * 60 + 59))


def reference(dt: datetime) -> str:
    """The definition: UTC, ISO 8601 to the microsecond, ``Z``."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds")[:26] + "Z"


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_utc_times_are_written_as_isoformat_writes_them(dt: datetime) -> None:
    assert stamp(dt) == reference(dt)


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS))
def test_other_offsets_are_moved_to_utc_first(dt: datetime) -> None:
    assert stamp(dt) == reference(dt)


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_a_stamp_reads_back_as_the_same_instant_and_sorts_as_text(dt: datetime) -> None:
    assert parse_iso(stamp(dt)) == dt
    later = dt + timedelta(microseconds=1) if dt < datetime(9999, 12, 30, tzinfo=UTC) else dt
    assert (stamp(dt) < stamp(later)) == (dt < later)


def test_whole_seconds_keep_their_six_zeros() -> None:
    assert stamp(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000000Z"
    assert stamp(datetime(999, 1, 1, tzinfo=UTC)) == "0999-01-01T00:00:00.000000Z"
