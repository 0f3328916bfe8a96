"""The mediation demo: what ``load_demo`` adds for 河坝镇, that every state is there, and that it loads once.

Each test loads the core demo and the domain demos once (there is no module-scoped database fixture).
The clock is set by the mediation conftest (2026-03-10); the second test moves it to the end of the
last year the calendar knows.
"""

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from zhenwu.core.choices import Role
from zhenwu.core.localtime import beijing_date
from zhenwu.core.models import AuditEvent, Unit, User
from zhenwu.core.validators import PHONE_RE
from zhenwu.mediation.choices import Channel, DisputeSource, DisputeStatus, PartyKind, Performance
from zhenwu.mediation.demo import REFERRED_PETITION
from zhenwu.mediation.models import (
    CREDIT_CODE_RE,
    Dispute,
    DisputeParty,
    FollowUp,
    MediationAgreement,
    MediationSession,
)
from zhenwu.mediation.services import may_mediate
from zhenwu.mediation.tests.factories import at
from zhenwu.petitions.models import Petition, Petitioner
from zhenwu.petitions.validators import validate_id_number

pytestmark = pytest.mark.django_db

#: Words of the purposes the README excludes; no demo text may carry them (as in the other demos).
EXCLUDED_WORDS = ("重点人员", "稳控", "劝返", "越级", "行踪", "盯守", "截访")


def load() -> str:
    """Run ``load_demo`` with its messages in English (the site's default is Chinese)."""
    out = StringIO()
    with translation.override("en"):
        call_command("load_demo", stdout=out)
    return out.getvalue()


def state_of_everything() -> dict[str, Any]:
    return {
        "disputes": list(Dispute.objects.order_by("pk").values_list("pk", "number", "status", "updated_at")),
        "parties": DisputeParty.objects.count(),
        "sessions": MediationSession.objects.count(),
        "agreements": MediationAgreement.objects.count(),
        "follow_ups": list(FollowUp.objects.order_by("pk").values_list("pk", "due_on", "done_at")),
        "petitions": Petition.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def demo_texts() -> list[str]:
    rows: list[tuple[str, ...]] = []
    rows += Dispute.objects.values_list(
        "summary", "details", "risk_note", "declined_reason", "advised_note", "no_agreement_reason"
    )
    rows += MediationSession.objects.values_list("participants", "record", "place")
    rows += MediationAgreement.objects.values_list(
        "facts", "issues", "responsibilities", "terms", "performance_manner"
    )
    rows += FollowUp.objects.values_list("notes")
    return [text for row in rows for text in row]


def test_demo_ledger_has_every_state_valid_parties_and_loads_once(clock):
    out = load()
    assert "Demo mediation: 8 disputes, 8 sessions, 3 agreements, 4 follow-up visits." in out
    now = at("2026-03-10", 9)
    today = beijing_date(now)
    township = Unit.objects.get(code="HB")
    disputes = Dispute.objects.select_related("handling_unit", "kind")
    assert {d.handling_unit.code for d in disputes} == {"HB", "HB-01"}
    assert set(disputes.values_list("status", flat=True)) == set(DisputeStatus.values)
    assert not Dispute.objects.filter(registered_at__gt=now).exists()
    assert {d.source for d in disputes} == set(DisputeSource.values)

    # The homestead boundary dispute: referred from the demo petition, two sessions, a written
    # agreement, a follow-up that found it performed, closed.
    referred = disputes.get(source=DisputeSource.PETITION)
    assert referred.petition is not None and referred.petition.summary == REFERRED_PETITION
    assert referred.petition.unit == township
    assert referred.status == DisputeStatus.CLOSED and referred.kind.code == "land_forest"
    assert referred.sessions.count() == 2
    agreement = referred.agreement
    assert not agreement.is_oral and agreement.confirmation_due_on is not None
    (visit,) = referred.follow_ups.all()
    assert visit.done_at is not None and visit.performance == Performance.PERFORMED
    petitioner_names = set(referred.petition.parties.values_list("petitioner__name", flat=True))
    assert petitioner_names <= set(referred.parties.values_list("name", flat=True))

    # In mediation: the drainage dispute's target date is near, another one is past its target.
    in_mediation = list(disputes.filter(status=DisputeStatus.ACCEPTED))
    assert any(d.due_on and today <= d.due_on <= today + datetime.timedelta(days=7) for d in in_mediation)
    assert any(d.due_on and d.due_on < today for d in in_mediation)
    drainage = disputes.get(summary__contains="排水沟")
    assert drainage.status == DisputeStatus.ACCEPTED and drainage.sessions.count() == 1
    assert drainage.handling_unit.code == "HB-01" and drainage.risk_note

    # The wages dispute with a company: declined, advised to go to labour arbitration.
    declined = disputes.get(status=DisputeStatus.DECLINED)
    assert declined.kind.code == "wages" and declined.advised_channel == Channel.LABOUR_ARBITRATION
    company = declined.parties.get(kind=PartyKind.ORGANISATION)
    assert CREDIT_CODE_RE.match(company.id_number) and company.representative

    # The family dispute: no agreement, escalated to a petition of the township.
    escalated = disputes.get(status=DisputeStatus.NOT_AGREED)
    assert escalated.kind.code == "family" and escalated.sessions.count() == 2
    assert escalated.escalated_petition is not None and escalated.escalated_petition.unit == township

    # Agreed: one written agreement with its first follow-up due this week, one oral agreement
    # whose first visit found it being performed and whose second visit is scheduled.
    agreed = list(disputes.filter(status=DisputeStatus.AGREED))
    assert len(agreed) == 2
    pending = FollowUp.objects.filter(dispute__in=agreed, done_at__isnull=True)
    assert any(today <= f.due_on <= today + datetime.timedelta(days=7) for f in pending)
    oral = MediationAgreement.objects.get(is_oral=True)
    assert oral.dispute.status == DisputeStatus.AGREED and oral.confirmation_due_on is None
    assert oral.dispute.follow_ups.filter(performance=Performance.IN_PROGRESS).exists()
    assert oral.dispute.follow_ups.filter(done_at__isnull=True).exists()
    assert disputes.filter(status=DisputeStatus.REGISTERED, source=DisputeSource.FOUND_BY_UNIT).exists()

    # Every dispute can be worked on by its mediators; the village's own are with its committee.
    for dispute in disputes:
        mediators = list(dispute.mediators.all())
        assert mediators and all(may_mediate(person, dispute) for person in mediators)
        assert all(person.role == Role.MEDIATOR for person in mediators)
    assert User.objects.get(username="hb_mediator").mediated_disputes.exists()

    # Every resident's ID number validates (GB 11643), organisations have credit codes, phones valid.
    people = DisputeParty.objects.filter(kind=PartyKind.PERSON)
    assert people.count() >= 16
    for party in people:
        validate_id_number(party.id_number)
        assert PHONE_RE.match(party.phone), party.phone
    for petitioner in Petitioner.objects.all():
        validate_id_number(petitioner.id_number)

    # Only disputes: no text serves a purpose the README excludes.
    assert not [text for text in demo_texts() if any(word in text for word in EXCLUDED_WORDS)]

    # Loading again changes nothing, not even the audit log.
    before = state_of_everything()
    clock.move_to(at("2026-03-11", 12))
    assert "Demo mediation: already there." in load()
    assert state_of_everything() == before


def test_loaded_at_the_end_of_the_last_known_year_every_deadline_stays_in_that_year(clock):
    # The calendar knows 2026 only: a dispute accepted in December would be due in 2027.
    clock.move_to(at("2026-12-29", 10))
    assert "Demo mediation: 8 disputes" in load()
    assert set(Dispute.objects.values_list("status", flat=True)) == set(DisputeStatus.values)
    last = datetime.date(2026, 12, 31)
    due_dates = list(Dispute.objects.values_list("due_on", flat=True))
    due_dates += MediationAgreement.objects.values_list("confirmation_due_on", flat=True)
    assert all(due is None or due <= last for due in due_dates)
    assert not Dispute.objects.filter(registered_at__gt=at("2026-12-29", 10)).exists()
