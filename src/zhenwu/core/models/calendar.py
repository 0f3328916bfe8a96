from django.db import models
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import CalendarDayKind


class CalendarYear(models.Model):
    """A year whose holidays an administrator entered by hand (when the package lags behind)."""

    year = models.PositiveSmallIntegerField(
        verbose_name=_("year"),
        unique=True,
    )
    source = models.CharField(
        verbose_name=_("source"),
        max_length=200,
        help_text=_("The State Council notice the days were taken from."),
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """One statutory holiday or adjusted working day entered by an administrator."""

    date = models.DateField(
        verbose_name=_("date"),
        unique=True,
    )
    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=8,
        choices=CalendarDayKind.choices,
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=50,
        blank=True,
        help_text=_("For example 春节 or 国庆节."),
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
