"""Building petitions for tests through the services."""

import datetime
from zoneinfo import ZoneInfo

from zhenwu.core.models import Unit, User
from zhenwu.petitions.choices import IntakeChannel
from zhenwu.petitions.models import Petition
from zhenwu.petitions.services import PetitionerIn, petition_register

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Known-valid ID numbers (GB 11643 checksums), from the domain notes and computed ones.
ID_A = "11010519491231002X"
ID_B = "440524188001010014"


def at(day: str, hour: int = 10) -> datetime.datetime:
    """A Shanghai wall-clock moment on ``day`` (YYYY-MM-DD)."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


def register(
    actor: User | None,
    unit: Unit,
    *,
    name: str = "张小明",
    id_number: str = ID_A,
    summary: str = "拖欠工资问题",
    content: str = "本人在镇上工地务工，老板拖欠工资三个月未付。",
    channel: str = IntakeChannel.VISIT,
    received_at: datetime.datetime | None = None,
    **kwargs: object,
) -> tuple[Petition, str]:
    return petition_register(
        actor=actor,
        unit=unit,
        channel=channel,
        petitioners=[
            PetitionerIn(name=name, id_number=id_number, phone="13812345678", address="河坝镇河东村3组")
        ],
        summary=summary,
        content=content,
        received_at=received_at,
        **kwargs,  # type: ignore[arg-type]
    )
