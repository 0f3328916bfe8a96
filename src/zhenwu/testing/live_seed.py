"""Seed a live test instance through the services; run inside it by ``LiveInstance.seed``.

Runs as ``manage.py shell -c "from zhenwu.testing.live_seed import main; main(...)"`` so that the data
is written by the instance's own code and settings. It migrates first (a no-op on the cached template
database), then creates a township with villages, office and reporter accounts with API tokens, one
report schedule whose past deadlines (eight a day) give every village enough open slots, and optionally
webhook messages in the outbox. Writes what the test needs (tokens, slot ids, unit ids) as JSON.
"""

import datetime
import json
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

from zhenwu.core.choices import Channel, Interface, Role, UnitKind
from zhenwu.core.context import acting_through
from zhenwu.core.services.people import person_create
from zhenwu.core.services.tokens import token_create
from zhenwu.core.services.units import unit_create
from zhenwu.testing.world import PASSWORD

#: Eight deadlines a day (the most a schedule takes): 8 slots per village and day.
TIMES = [f"{hour:02d}:30" for hour in range(0, 24, 3)]


def main(
    out: str,
    *,
    villages: int,
    offices: int,
    report_days: int,
    webhook_url: str = "",
    messages: int = 0,
) -> None:
    from zhenwu.core.notifications.services import notification_enqueue
    from zhenwu.reports.models import ReportSlot
    from zhenwu.reports.services import report_type_create, schedule_create

    call_command("migrate", verbosity=0, interactive=False)
    with acting_through(Interface.CLI):
        county = unit_create(actor=None, parent=None, kind=UnitKind.COUNTY, name="临溪县", code="LX")
        admin = person_create(
            actor=None,
            username="admin",
            full_name="系统管理员",
            unit=county,
            role=Role.ADMIN,
            password=PASSWORD,
        )
        township = unit_create(actor=admin, parent=county, kind=UnitKind.TOWNSHIP, name="河坝镇", code="HB")
        office_tokens = []
        for i in range(offices):
            user = person_create(
                actor=admin,
                username=f"office{i}",
                full_name=f"王{i}",
                unit=township,
                role=Role.OFFICE,
                password=PASSWORD,
            )
            office_tokens.append(token_create(actor=user, name="live test")[1])
        village_units, reporter_tokens = [], []
        for i in range(villages):
            village = unit_create(
                actor=admin, parent=township, kind=UnitKind.VILLAGE, name=f"第{i}村", code=f"HB-{i:02d}"
            )
            user = person_create(
                actor=admin,
                username=f"reporter{i}",
                full_name=f"张{i}",
                unit=village,
                role=Role.REPORTER,
                password=PASSWORD,
            )
            village_units.append(village)
            reporter_tokens.append(token_create(actor=user, name="live test")[1])
        report_type = report_type_create(
            actor=admin,
            owner_unit=township,
            code="safety",
            name="安全生产日报",
            fields=[
                {"key": "checks", "label": "检查次数", "kind": "count"},
                {"key": "remark", "label": "情况说明", "kind": "text"},
            ],
        )
        today = timezone.localdate()
        schedule = schedule_create(
            actor=admin,
            owner_unit=township,
            report_type=report_type,
            name="安全生产报送（每三小时）",
            starts_on=today - datetime.timedelta(days=report_days - 1),
            ends_on=today,
            times=TIMES,
            units=village_units,
            webhook_url=webhook_url,
            allow_past=True,
        )
        now = timezone.now()
        slots: dict[str, list[int]] = {}
        for village in village_units:
            slots[str(village.pk)] = list(
                ReportSlot.objects.filter(schedule=schedule, unit=village, opens_at__lte=now)
                .order_by("due_at")
                .values_list("pk", flat=True)
            )
        message_ids = [
            notification_enqueue(
                event_key=f"live.{i}",
                channel=Channel.WEBHOOK,
                recipient=webhook_url,
                subject=f"提醒 {i}",
                body=f"第{i}条通知：请按时报送。",
                unit=township,
            ).pk
            for i in range(messages)
        ]
    data = {
        "township": township.pk,
        "office_tokens": office_tokens,
        "reporters": [
            {"token": token, "unit": village.pk, "slots": slots[str(village.pk)]}
            for token, village in zip(reporter_tokens, village_units, strict=True)
        ],
        "messages": message_ids,
    }
    Path(out).write_text(json.dumps(data))
