"""The one table of legal time limits (STYLE.md §7): every number, its unit, its start and its source.

A change of law or a local rule is one edit here, or one entry in the setting
``ZHENWU_DEADLINE_RULE_OVERRIDES`` (no code change)::

    ZHENWU_DEADLINE_RULE_OVERRIDES = {
        "mediation.target": {"days": 20},
        "petition.conclude": {"roll_to_working_day": False, "warn_days": 7},
    }

Code never reads ``RULES`` for a number directly: it calls ``get_rule(code)``, which applies the
overrides. Sources follow /work/shared/domain/petitions.md and mediation.md: 信访工作条例 (in force
2022-05-01) and 人民调解法 (2010).

``roll_to_working_day`` is the Civil Code Art. 201/203 rule (a period whose last day is a rest day
ends on the next working day). It is not confirmed for petitions, so it is a switch that is on by
default. It has no effect on working-day rules: their last day is always a working day.
"""

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhenwu.core.exceptions import ValidationFailed

OVERRIDES_SETTING = "ZHENWU_DEADLINE_RULE_OVERRIDES"
_OVERRIDABLE: dict[str, type] = {"days": int, "roll_to_working_day": bool, "warn_days": int}


class DayCount(models.TextChoices):
    """How the days of a period are counted."""

    CALENDAR = "calendar", _("calendar days")
    WORKING = "working", _("working days")


@dataclass(frozen=True)
class DeadlineRule:
    """One legal or configured time limit."""

    code: str
    label: str | Promise
    days: int
    count: DayCount
    counts_from: str | Promise
    source: str
    roll_to_working_day: bool = True
    warn_days: int = 3
    #: False where the number is a local practice or not checked against the text of the law.
    confirmed: bool = True

    @property
    def unit_label(self) -> str:
        return str(self.count.label)

    def describe(self) -> str:
        """E.g. "Acceptance notice (direct submissions) — 15 calendar days"."""
        return gettext("%(label)s — %(days)s %(unit)s") % {
            "label": self.label,
            "days": self.days,
            "unit": self.unit_label,
        }


_XF = "信访工作条例"  # Regulations on Petition Work, in force 2022-05-01
_TJ = "人民调解法"  # People's Mediation Law, 2010

_TABLE = [
    DeadlineRule(
        code="petition.register_forward",
        label=_("Register and forward to the competent body"),
        days=15,
        count=DayCount.CALENDAR,
        counts_from=_("receipt of the petition"),
        source=f"{_XF} Art. 22",
    ),
    DeadlineRule(
        code="petition.accept_notice",
        label=_("Acceptance notice (direct submissions)"),
        days=15,
        count=DayCount.CALENDAR,
        counts_from=_("receipt of the petition"),
        source=f"{_XF} Art. 23(2)",
    ),
    DeadlineRule(
        code="petition.accept_notice_referred",
        label=_("Acceptance notice (matters transferred or assigned from above)"),
        days=15,
        count=DayCount.CALENDAR,
        counts_from=_("receipt of the transferred matter"),
        source=f"{_XF} Art. 23(3)",
    ),
    DeadlineRule(
        code="petition.transfer_objection",
        label=_("Objection that a transferred matter is not ours"),
        days=5,
        count=DayCount.WORKING,
        counts_from=_("receipt of the transferred matter"),
        source=f"{_XF} Art. 23(3)",
    ),
    DeadlineRule(
        code="petition.conclude",
        label=_("Conclude handling and issue the written opinion"),
        days=60,
        count=DayCount.CALENDAR,
        counts_from=_("acceptance"),
        source=f"{_XF} Art. 34",
    ),
    DeadlineRule(
        code="petition.extension",
        # ``days`` is the maximum; the head of the handling body approves it once (Art. 34).
        label=_("Extension for complex matters (at most, once)"),
        days=30,
        count=DayCount.CALENDAR,
        counts_from=_("the original due date"),
        source=f"{_XF} Art. 34",
    ),
    DeadlineRule(
        code="petition.review_request",
        label=_("Request a review"),
        days=30,
        count=DayCount.CALENDAR,
        counts_from=_("the petitioner's receipt of the written opinion"),
        source=f"{_XF} Art. 35",
    ),
    DeadlineRule(
        code="petition.review_decision",
        label=_("Decide the review in writing"),
        days=30,
        count=DayCount.CALENDAR,
        counts_from=_("receipt of the review request"),
        source=f"{_XF} Art. 35",
    ),
    DeadlineRule(
        code="petition.re_review_request",
        label=_("Request a re-review"),
        days=30,
        count=DayCount.CALENDAR,
        counts_from=_("the petitioner's receipt of the review opinion"),
        source=f"{_XF} Art. 36",
    ),
    DeadlineRule(
        code="petition.re_review_decision",
        label=_("Decide the re-review"),
        days=30,
        count=DayCount.CALENDAR,
        counts_from=_("receipt of the re-review request (hearing time not counted)"),
        source=f"{_XF} Art. 36",
    ),
    DeadlineRule(
        code="mediation.target",
        # No statutory limit; older Ministry of Justice rules aimed at "generally within one month".
        label=_("Mediation target"),
        days=30,
        count=DayCount.CALENDAR,
        counts_from=_("acceptance of the dispute"),
        source="Ministry of Justice (司法部) practice: generally within one month; no statutory limit",
        confirmed=False,
    ),
    DeadlineRule(
        code="mediation.judicial_confirmation",
        label=_("Apply jointly to the court for judicial confirmation"),
        days=30,
        count=DayCount.CALENDAR,
        counts_from=_("the mediation agreement taking effect"),
        source=f"{_TJ} Art. 33",
    ),
    DeadlineRule(
        code="mediation.follow_up",
        # Local practice: a first follow-up visit (回访) to check the agreement is being performed.
        label=_("First follow-up visit after an agreement"),
        days=15,
        count=DayCount.CALENDAR,
        counts_from=_("the mediation agreement taking effect"),
        source="Local practice (回访制度); the committee supervises performance (人民调解法 Art. 31)",
        confirmed=False,
    ),
    DeadlineRule(
        code="safety.rectify_general",
        label=_("Rectify a general hazard"),
        days=15,
        count=DayCount.CALENDAR,
        counts_from=_("the day the hazard was found"),
        source="Local practice for 一般隐患 (rectified at once or within a set time); set per township",
        roll_to_working_day=False,
        warn_days=3,
        confirmed=False,
    ),
    DeadlineRule(
        code="safety.rectify_serious",
        label=_("Rectify a serious hazard"),
        days=30,
        count=DayCount.CALENDAR,
        counts_from=_("the day the hazard was found"),
        source="Local practice for 较大隐患; set per township",
        roll_to_working_day=False,
        warn_days=5,
        confirmed=False,
    ),
    DeadlineRule(
        code="safety.rectify_major",
        label=_("Rectify a major hazard (with a rectification plan)"),
        days=60,
        count=DayCount.CALENDAR,
        counts_from=_("the day the hazard was found"),
        source="Local practice for 重大隐患 (治理方案, 限期整改); set per township",
        roll_to_working_day=False,
        warn_days=7,
        confirmed=False,
    ),
]

#: The rules as written in law, by code. Use ``get_rule`` to read them (it applies the overrides).
RULES: dict[str, DeadlineRule] = {rule.code: rule for rule in _TABLE}


def _overrides() -> dict[str, dict[str, Any]]:
    value = getattr(settings, OVERRIDES_SETTING, {}) or {}
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{OVERRIDES_SETTING} must be a dict of rule code -> overrides.")
    return value


def _apply(rule: DeadlineRule, changes: dict[str, Any]) -> DeadlineRule:
    where = f"{OVERRIDES_SETTING}[{rule.code!r}]"
    for key, value in changes.items():
        expected = _OVERRIDABLE.get(key)
        if expected is None:
            raise ImproperlyConfigured(f"{where} sets {key!r}; only {sorted(_OVERRIDABLE)} may be changed.")
        # bool is an int subclass: a days value of True is a typo, not a number.
        if type(value) is not expected:
            raise ImproperlyConfigured(f"{where}[{key!r}] must be {expected.__name__}, not {value!r}.")
    if changes.get("days", 1) < 1:
        raise ImproperlyConfigured(f"{where}['days'] must be at least 1.")
    if changes.get("warn_days", 0) < 0:
        raise ImproperlyConfigured(f"{where}['warn_days'] must not be negative.")
    return dataclasses.replace(rule, **changes)


def get_rule(code: str) -> DeadlineRule:
    """The rule ``code`` with the settings overrides applied; an unknown code is a ValidationFailed."""
    overrides = _overrides()
    unknown = set(overrides) - set(RULES)
    if unknown:
        raise ImproperlyConfigured(f"{OVERRIDES_SETTING} names unknown deadline rules: {sorted(unknown)}.")
    try:
        rule = RULES[code]
    except (KeyError, TypeError):
        message = gettext("There is no deadline rule %(code)s.") % {"code": code}
        raise ValidationFailed(message, code="unknown_rule", errors={"rule": [message]}) from None
    if code in overrides:
        rule = _apply(rule, overrides[code])
    return rule


def all_rules() -> list[DeadlineRule]:
    """Every rule, overrides applied, in table order."""
    return [get_rule(code) for code in RULES]
