"""Beijing wall-clock time, in which deadlines, shifts and reception hours are written.

The database holds aware UTC datetimes (``USE_TZ``); these helpers turn a Beijing day and time of
day into such a moment and back, whatever the server's time zone. Asia/Shanghai has had no
daylight saving time since 1991, so every such day has 24 hours.
"""

import datetime

from django.utils import timezone

from zhenwu.core.deadlines import LEGAL_TZ

BEIJING = LEGAL_TZ


def beijing_moment(day: datetime.date, at: datetime.time) -> datetime.datetime:
    """The aware moment of ``at`` o'clock on the Beijing day ``day``."""
    return datetime.datetime.combine(day, at, tzinfo=BEIJING)


def beijing_day_start(day: datetime.date) -> datetime.datetime:
    """00:00 of the Beijing day ``day``."""
    return beijing_moment(day, datetime.time(0, 0))


def beijing_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, BEIJING).date()


def short_time(moment: datetime.datetime) -> str:
    """``12-01 17:30``: how messages and problem lists name a deadline or a shift."""
    return timezone.localtime(moment, BEIJING).strftime("%m-%d %H:%M")
