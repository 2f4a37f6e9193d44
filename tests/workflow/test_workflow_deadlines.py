"""Comment periods and the 15-day limits: month ends, leap days, time zones, holidays."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from placenames.workflow import CHINA_TZ, approval_deadlines, china_date, comment_period, due_status

CST = timezone(timedelta(hours=8))


def test_ten_days_not_counting_the_opening_day_ending_at_midnight_china_time() -> None:
    opens = datetime(2024, 6, 1, 10, 0, tzinfo=CST)
    got_opens, closes = comment_period(opens)
    assert got_opens == opens
    assert closes == datetime(2024, 6, 12, 0, 0, tzinfo=CST)
    assert closes.utcoffset() == timedelta(hours=8) and closes.tzinfo == CHINA_TZ


def test_the_china_date_decides_not_the_utc_date() -> None:
    # 2024-06-01 17:30 UTC is already 2024-06-02 01:30 in China
    _, closes = comment_period(datetime(2024, 6, 1, 17, 30, tzinfo=UTC))
    assert closes == datetime(2024, 6, 13, 0, 0, tzinfo=CST)
    assert closes.astimezone(UTC) == datetime(2024, 6, 12, 16, 0, tzinfo=UTC)
    # 15:59 UTC is still 2024-06-01 23:59 in China
    _, closes = comment_period(datetime(2024, 6, 1, 15, 59, tzinfo=UTC))
    assert closes == datetime(2024, 6, 12, 0, 0, tzinfo=CST)
    assert china_date(datetime(2024, 12, 31, 16, 0, tzinfo=UTC)) == date(2025, 1, 1)


@pytest.mark.parametrize(("opened", "days", "closes"), [
    (date(2024, 1, 25), 10, date(2024, 2, 5)),    # across a month end
    (date(2024, 2, 20), 10, date(2024, 3, 2)),    # leap February: the 29th counts
    (date(2023, 2, 20), 10, date(2023, 3, 3)),
    (date(2024, 12, 25), 10, date(2025, 1, 5)),   # across a year end
    (date(2024, 6, 1), 1, date(2024, 6, 3)),
    (date(2024, 6, 1), 30, date(2024, 7, 2)),
])
def test_comment_period_lengths(opened: date, days: int, closes: date) -> None:
    opens = datetime(opened.year, opened.month, opened.day, 9, tzinfo=CST)
    assert comment_period(opens, days)[1] == datetime(closes.year, closes.month, closes.day,
                                                      tzinfo=CST)


def test_last_day_on_a_holiday_moves_past_it() -> None:
    # 2024-09-21 + 10 = 2024-10-01, inside the National Day holiday 10-01..10-07
    holidays = {date(2024, 10, d) for d in range(1, 8)}
    opens = datetime(2024, 9, 21, 9, tzinfo=CST)
    assert comment_period(opens, holidays=holidays)[1] == datetime(2024, 10, 9, tzinfo=CST)
    assert approval_deadlines(date(2024, 9, 16), holidays=holidays) == (date(2024, 10, 8),) * 2


def test_naive_and_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        comment_period(datetime(2024, 6, 1, 10))
    with pytest.raises(ValueError):
        comment_period(datetime(2024, 6, 1, 10, tzinfo=CST), 0)
    with pytest.raises(ValueError):
        china_date(datetime(2024, 6, 1))


@pytest.mark.parametrize(("approved", "due"), [
    (date(2024, 6, 1), date(2024, 6, 16)),
    (date(2024, 1, 20), date(2024, 2, 4)),
    (date(2024, 2, 14), date(2024, 2, 29)),
    (date(2023, 2, 14), date(2023, 3, 1)),
    (date(2024, 12, 20), date(2025, 1, 4)),
    (date(2024, 1, 31), date(2024, 2, 15)),
])
def test_approval_deadlines(approved: date, due: date) -> None:
    assert approval_deadlines(approved) == (due, due)


def test_approval_deadlines_configurable() -> None:
    assert approval_deadlines(date(2024, 6, 1), 30) == (date(2024, 7, 1), date(2024, 7, 1))


@pytest.mark.parametrize(("today", "done", "status"), [
    (date(2024, 6, 1), False, "ok"),
    (date(2024, 6, 12), False, "ok"),
    (date(2024, 6, 13), False, "due_soon"),
    (date(2024, 6, 16), False, "due_soon"),
    (date(2024, 6, 17), False, "overdue"),
    (date(2024, 7, 17), False, "overdue"),
    (date(2024, 7, 17), True, "done"),
    (date(2024, 6, 1), True, "done"),
])
def test_due_status(today: date, done: bool, status: str) -> None:
    assert due_status(date(2024, 6, 16), today, done=done) == status


def test_due_status_window_is_configurable() -> None:
    assert due_status(date(2024, 6, 16), date(2024, 6, 10), soon_days=7) == "due_soon"
    assert due_status(date(2024, 6, 16), date(2024, 6, 15), soon_days=0) == "ok"
    assert due_status(date(2024, 6, 16), date(2024, 6, 16), soon_days=0) == "due_soon"
