"""Building disputes for tests through the services (STYLE.md §12: data built through services).

Other test modules import these; keep the names stable: ``party``, ``make_dispute``,
``accepted_dispute``, ``record_session``, ``agreed_dispute``, ``agreement_in``.
"""

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import Unit, User
from zhenwu.mediation import services
from zhenwu.mediation.choices import DisputeSource, PartyKind, PartySide
from zhenwu.mediation.models import Dispute, DisputeKind, MediationSession
from zhenwu.mediation.services import AgreementIn, PartyIn
from zhenwu.testing.world import World

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Known-valid resident ID numbers (GB 11643 checksums) and a unified social credit code.
ID_A = "11010519491231002X"
ID_B = "440524188001010014"
CREDIT_CODE = "91350100M000100Y43"


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A Shanghai wall-clock moment on ``day`` (YYYY-MM-DD)."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SHANGHAI)


def party(
    name: str,
    side: str = PartySide.APPLICANT,
    *,
    kind: str = PartyKind.PERSON,
    id_number: str = "",
    phone: str = "",
    address: str = "",
    representative: str = "",
) -> PartyIn:
    return PartyIn(
        name=name,
        kind=kind,
        side=side,
        id_number=id_number,
        phone=phone,
        address=address,
        representative=representative,
    )


def default_parties() -> list[PartyIn]:
    """Two neighbours over a field boundary: a resident applicant and a resident respondent."""
    return [
        party("张小明", PartySide.APPLICANT, id_number=ID_A, phone="13812345678", address="河坝镇河东村3组"),
        party("李大山", PartySide.RESPONDENT, id_number=ID_B, phone="13987654321", address="河坝镇河东村5组"),
    ]


def dispute_kind(code: str = "land_forest") -> DisputeKind:
    """One of the kinds the migration seeds (family, neighbours, land_forest, wages, …)."""
    return DisputeKind.objects.get(code=code)


def make_dispute(
    world: World,
    *,
    actor: User | None = None,
    handling_unit: Unit | None = None,
    kind: str | DisputeKind = "land_forest",
    source: str = DisputeSource.RESIDENT_REQUEST,
    summary: str = "承包地边界纠纷",
    parties: list[PartyIn] | None = None,
    mediators: list[User] | None = None,
    **kwargs: Any,
) -> Dispute:
    """A registered dispute of 河坝镇 (by its office), naming the world's mediator."""
    return services.dispute_register(
        actor=actor or world.user("office"),
        handling_unit=handling_unit or world.township,
        kind=kind if isinstance(kind, DisputeKind) else dispute_kind(kind),
        source=source,
        summary=summary,
        parties=parties if parties is not None else default_parties(),
        mediators=mediators if mediators is not None else [world.user("mediator")],
        **kwargs,
    )


def accepted_dispute(world: World, *, actor: User | None = None, **kwargs: Any) -> Dispute:
    """A dispute accepted for mediation (target date from the rule ``mediation.target``)."""
    dispute = make_dispute(world, **kwargs)
    return services.dispute_accept(actor=actor or world.user("office"), dispute=dispute)


def record_session(
    world: World,
    dispute: Dispute,
    *,
    actor: User | None = None,
    held_at: datetime.datetime | None = None,
    participants: str = "张小明、李大山、调解员陈平",
    record: str = "双方陈述了地界争议的经过，同意现场勘查。",
    place: str = "河坝镇调解室",
) -> MediationSession:
    return services.session_record(
        actor=actor or world.user("mediator"),
        dispute=dispute,
        held_at=held_at or timezone.now(),
        participants=participants,
        record=record,
        place=place,
    )


def agreement_in(**overrides: Any) -> AgreementIn:
    """Every Art. 29 content, signed today, performed within a month."""
    today = beijing_date(timezone.now())
    values: dict[str, Any] = {
        "facts": "双方承包地相邻，因地界石移位发生争执。",
        "issues": "两块承包地的分界线位置。",
        "responsibilities": "李大山移动地界石，负主要责任。",
        "terms": "以2010年确权图为准恢复地界石。",
        "performance_manner": "双方在调解员见证下共同恢复地界石。",
        "performance_due": today + datetime.timedelta(days=30),
        "signed_on": today,
    }
    values.update(overrides)
    return AgreementIn(**values)


def agreed_dispute(world: World, *, actor: User | None = None, **kwargs: Any) -> Dispute:
    """Accepted, one session recorded, agreement recorded (a first follow-up visit is scheduled)."""
    dispute = accepted_dispute(world, **kwargs)
    record_session(world, dispute)
    services.agreement_record(actor=actor or world.user("mediator"), dispute=dispute, data=agreement_in())
    dispute.refresh_from_db()
    return dispute
