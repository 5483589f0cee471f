"""Timestamps (pipelines/timestamps.py): the archive's one "now" and one way to read a stamp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from pipelines.timestamps import as_utc, now, now_iso, parse_stamp


def test_now_is_utc_to_the_second():
    stamp = now_iso()
    assert stamp.endswith("+00:00") and len(stamp) == 25
    assert now().tzinfo is UTC


def test_stamps_keep_the_writers_zone_and_compare_in_utc():
    stamp = parse_stamp("2023-09-11T02:30:00+02:00")
    assert stamp.text == "2023-09-11T02:30:00+02:00"  # the publisher's day stays theirs
    assert as_utc("2023-09-11T02:30:00+02:00") == datetime(2023, 9, 11, 0, 30, tzinfo=UTC)


def test_a_day_or_a_time_without_zone_is_read_as_utc_and_junk_as_nothing():
    assert as_utc("2023-09-11") == datetime(2023, 9, 11, tzinfo=UTC)
    assert as_utc("2023-09-11 08:00") == datetime(2023, 9, 11, 8, tzinfo=UTC)
    assert as_utc("Mon, 11 Sep 2023 08:00:00 GMT") == datetime(2023, 9, 11, 8, tzinfo=UTC)
    assert as_utc("yesterday") is None
    assert as_utc(None) is None


def test_retry_after_reads_seconds_and_http_dates_and_nothing_else():
    from pipelines.timestamps import retry_after

    assert retry_after(b"7") == retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: go now
    assert 3500 < retry_after(format_datetime(now() + timedelta(hours=1), usegmt=True)) <= 3600
    assert retry_after(None) is retry_after("") is retry_after("soon") is None
