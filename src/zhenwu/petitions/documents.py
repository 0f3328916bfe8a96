"""The written notices of a petition matter (.docx, GB/T 9704 layout), and the service that keeps them.

One builder per notice turns the matter's fields into an ``OfficialDocument``:

- acceptance notice (受理告知书, 信访工作条例 Art. 23): accepted on, concluded within the rule's days;
- decline notice (不予受理告知书): the reason and the proper channel (诉访分离);
- handling opinion (处理意见书, Art. 32): the request, the facts found, the decision and its legal
  basis, and the petitioner's right to a review (Art. 35);
- extension notice (延期办理告知书, Art. 34): the days, the reason and the new due date.

The notices go to the petitioner, so they carry the real names. Their wording is Chinese data, not
translatable interface text: a notice is an official document issued to a resident, the same
whatever language the member of staff who prints it reads the pages in.
"""

import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from zhenwu.core.audit import audit_record
from zhenwu.core.choices import AuditAction
from zhenwu.core.deadlines import compute_due, extend_due
from zhenwu.core.documents import Heading, OfficialDocument, chinese_date, local_date, render_docx, today
from zhenwu.core.exceptions import InvalidTransition, NotFound, PermissionRefused, ValidationFailed
from zhenwu.core.models import User
from zhenwu.core.rules import get_rule
from zhenwu.core.scoping import Action
from zhenwu.core.services.common import validated
from zhenwu.petitions.choices import DeclineRoute, DocumentKind, EventKind, IntakeChannel, Stage, Status
from zhenwu.petitions.models import Petition, PetitionDocument, PetitionEvent
from zhenwu.petitions.selectors import petition_list
from zhenwu.petitions.services import petition_event_add

#: A notice names at most this many petitioners; a larger group is "张三、李四……等40人".
MAX_NAMES = 5

TITLES: dict[str, str] = {
    DocumentKind.ACCEPTANCE: "信访事项受理告知书",
    DocumentKind.DECLINE: "信访事项不予受理告知书",
    DocumentKind.OPINION: "信访事项处理意见书",
    DocumentKind.EXTENSION: "信访事项延期办理告知书",
}

#: How the matter reached us, as the notice says it ("你于2026年3月2日来访反映的……").
CHANNEL_WORDS: dict[str, str] = {
    IntakeChannel.VISIT: "来访",
    IntakeChannel.LETTER: "来信",
    IntakeChannel.PHONE: "来电",
    IntakeChannel.ONLINE: "通过网上信访渠道",
    IntakeChannel.FAX: "通过传真",
}

#: Decline notice: why the matter is not a petition, and where the resident should take it (诉访分离).
#: "{you}" is 你 or 你们.
DECLINE_WORDS: dict[str, tuple[str, str]] = {
    DeclineRoute.LITIGATION: (
        "该事项属于应当通过诉讼途径解决的事项",
        "请{you}依法向有管辖权的人民法院提起诉讼。",
    ),
    DeclineRoute.ARBITRATION: (
        "该事项属于应当通过仲裁途径解决的事项",
        "请{you}依法向有关仲裁机构申请仲裁。",
    ),
    DeclineRoute.ADMIN_RECONSIDERATION: (
        "该事项属于应当通过行政复议途径解决的事项",
        "请{you}依法向有关行政复议机关申请行政复议。",
    ),
    DeclineRoute.REPEAT: (
        "该事项已经受理且尚在规定的办理期限内",
        "请{you}等待受理机关出具的书面处理意见，并可凭查询码查询办理进度。",
    ),
    DeclineRoute.FINAL: (
        "该事项已经复核终结，{you}以同一事实和理由再次提出",
        "{you}如有新的事实和理由，可以另行提出。",
    ),
    DeclineRoute.OTHER: (
        "该事项应当通过其他法定途径解决",
        "请{you}依照有关法律、行政法规规定的程序向有关机关提出。",
    ),
}

OPINION_HEADINGS = ("一、信访事项", "二、调查核实情况", "三、处理意见", "四、法律政策依据")


# --- the matter's words --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Addressee:
    names: str  # "张小明", "张三、李四等40人"
    you: str  # 你 or 你们


def _addressee(petition: Petition) -> _Addressee:
    """Whom the notice is addressed to: the representatives of a group, else every petitioner."""
    parties = list(petition.parties.select_related("petitioner").order_by("-is_representative", "pk"))
    representatives = [p for p in parties if p.is_representative]
    chosen = representatives or parties
    names = [p.petitioner.name for p in chosen[:MAX_NAMES]]
    count = max(petition.headcount, len(parties))
    text = "、".join(names)
    if count > len(names):
        text += f"等{count}人"
    return _Addressee(names=text, you="你们" if count > 1 or petition.is_collective else "你")


def _matter(petition: Petition, you: str) -> str:
    """你于2026年3月2日来访反映的“拖欠工资问题”（信访事项编号：2026-HB-000001）."""
    received = chinese_date(petition.received_at)
    reference = f"“{petition.summary}”（信访事项编号：{petition.number}）"
    if petition.channel == IntakeChannel.REFERRAL:
        return f"上级机关于{received}转送、交办的{you}反映的{reference}"
    return f"{you}于{received}{CHANNEL_WORDS.get(petition.channel, '')}反映的{reference}"


def _opinion_parts(petition: Petition) -> tuple[str, str, str, str]:
    """The four parts of Art. 32, in the order of ``OPINION_HEADINGS``."""
    return (
        petition.opinion_request,
        petition.opinion_facts,
        petition.opinion_decision,
        petition.opinion_basis,
    )


def _extension_event(petition: Petition) -> PetitionEvent | None:
    return petition.events.filter(kind=EventKind.EXTENDED).order_by("occurred_at", "id").last()


def _accepted_on(petition: Petition) -> datetime.date:
    assert petition.accepted_at is not None  # noqa: S101 -- checked by _check_fits
    return local_date(petition.accepted_at)


def _original_due(petition: Petition) -> datetime.date:
    """The handling deadline set at acceptance, as recorded (the extension event keeps it)."""
    event = _extension_event(petition)
    if event is not None and event.data.get("from"):
        return datetime.date.fromisoformat(event.data["from"])
    if petition.stage == Stage.CONCLUSION and petition.due_on and not petition.extension_days:
        return petition.due_on
    return compute_due("petition.conclude", _accepted_on(petition)).due


def _extended_due(petition: Petition) -> datetime.date:
    event = _extension_event(petition)
    if event is not None and event.data.get("to"):
        return datetime.date.fromisoformat(event.data["to"])
    if petition.stage == Stage.CONCLUSION and petition.due_on:
        return petition.due_on
    return extend_due(_original_due(petition), petition.extension_days).due


# --- the notices ---------------------------------------------------------------------------------


def _notice(
    petition: Petition,
    kind: str,
    *,
    to: _Addressee,
    issuer: str,
    body: list[str | Heading],
    dated_on: datetime.date,
) -> OfficialDocument:
    return OfficialDocument(
        title=f"{issuer}{TITLES[kind]}",
        number=f"信访事项编号：{petition.number}",
        addressee=to.names,
        body=body,
        issuer=issuer,
        dated_on=dated_on,
        closing="特此告知。" if kind != DocumentKind.OPINION else "",
    )


def acceptance_notice(petition: Petition, *, issued_on: datetime.date) -> OfficialDocument:
    """受理告知书 (Art. 23): the matter is accepted; it is concluded within the rule's days."""
    to = _addressee(petition)
    you = to.you
    conclude = get_rule("petition.conclude")
    body: list[str | Heading] = [
        f"{_matter(petition, you)}，本机关已收悉。经审查，该事项符合受理条件，"
        f"本机关已于{chinese_date(_accepted_on(petition))}依法予以受理。",
    ]
    if petition.handling_unit is not None and petition.handling_unit_id != petition.unit_id:
        body.append(f"该事项已交由{petition.handling_unit.name}办理。")
    body.append(
        f"本机关将自受理之日起{conclude.days}日内（{chinese_date(_original_due(petition))}前）办结，"
        f"并向{you}出具书面处理意见。{you}可凭登记时告知的查询码查询办理进度。"
    )
    return _notice(
        petition, DocumentKind.ACCEPTANCE, to=to, issuer=petition.unit.name, body=body, dated_on=issued_on
    )


def decline_notice(petition: Petition, *, issued_on: datetime.date) -> OfficialDocument:
    """不予受理告知书: the reason, and the channel the resident should use instead."""
    to = _addressee(petition)
    you = to.you
    finding, guidance = DECLINE_WORDS.get(petition.decline_route, DECLINE_WORDS[DeclineRoute.OTHER])
    body: list[str | Heading] = [
        f"{_matter(petition, you)}，本机关已收悉。",
        f"经审查，{finding.format(you=you)}，根据《信访工作条例》的有关规定，本机关决定不予受理。",
        f"理由：{petition.decline_reason.strip()}",
        guidance.format(you=you),
    ]
    return _notice(
        petition, DocumentKind.DECLINE, to=to, issuer=petition.unit.name, body=body, dated_on=issued_on
    )


def handling_opinion(petition: Petition) -> OfficialDocument:
    """处理意见书 (Art. 32): request, facts, decision, legal basis; then the right to a review (Art. 35)."""
    assert petition.answered_at is not None  # noqa: S101 -- checked by _check_fits
    to = _addressee(petition)
    you = to.you
    intro = _matter(petition, you)
    issuing_unit = petition.handling_unit or petition.unit
    if petition.accepted_at is not None:
        accepted_on = chinese_date(petition.accepted_at)
        if issuing_unit.pk == petition.unit_id:
            intro += f"，本机关已于{accepted_on}依法受理"
        else:
            intro += f"，{petition.unit.name}已于{accepted_on}依法受理并交由本机关办理"
    parts = _opinion_parts(petition)
    body: list[str | Heading] = [f"{intro}。经调查核实，现将处理意见告知如下："]
    for heading, text in zip(OPINION_HEADINGS, parts, strict=True):
        body += [Heading(heading), text]
    review = get_rule("petition.review_request")
    body.append(
        f"{you}如对本处理意见不服，可以自收到本处理意见书之日起{review.days}日内，"
        "向本机关的上一级机关请求复查。"
    )
    dated_on = local_date(petition.answered_at)
    return _notice(
        petition, DocumentKind.OPINION, to=to, issuer=issuing_unit.name, body=body, dated_on=dated_on
    )


def extension_notice(petition: Petition, *, issued_on: datetime.date) -> OfficialDocument:
    """延期办理告知书 (Art. 34): the days, the reason and the new due date."""
    to = _addressee(petition)
    you = to.you
    body: list[str | Heading] = [
        f"{_matter(petition, you)}，本机关已于{chinese_date(_accepted_on(petition))}依法受理，"
        f"原定办理期限至{chinese_date(_original_due(petition))}。",
        f"延期理由：{petition.extension_reason.strip()}",
        f"经本机关负责人批准，该事项办理期限延长{petition.extension_days}日，"
        f"至{chinese_date(_extended_due(petition))}。本机关将在延长后的期限内办结，"
        f"并向{you}出具书面处理意见。",
    ]
    return _notice(
        petition, DocumentKind.EXTENSION, to=to, issuer=petition.unit.name, body=body, dated_on=issued_on
    )


def build_document(petition: Petition, kind: str, *, issued_on: datetime.date) -> OfficialDocument:
    """The document of ``kind`` for the matter (its state checked first)."""
    _check_fits(petition, kind)
    builders: dict[str, Callable[[], OfficialDocument]] = {
        DocumentKind.ACCEPTANCE: lambda: acceptance_notice(petition, issued_on=issued_on),
        DocumentKind.DECLINE: lambda: decline_notice(petition, issued_on=issued_on),
        # The opinion is issued when the matter is answered, so it carries that date.
        DocumentKind.OPINION: lambda: handling_opinion(petition),
        DocumentKind.EXTENSION: lambda: extension_notice(petition, issued_on=issued_on),
    }
    return builders[kind]()


# --- rules -------------------------------------------------------------------------------------


def document_fits(petition: Petition, kind: str) -> bool:
    """Whether the matter's state allows the notice (e.g. no opinion before it is answered)."""
    if kind == DocumentKind.ACCEPTANCE:
        return petition.accepted_at is not None and petition.status != Status.DECLINED
    if kind == DocumentKind.DECLINE:
        return petition.status == Status.DECLINED and bool(petition.decline_route)
    if kind == DocumentKind.OPINION:
        return petition.answered_at is not None and all(_opinion_parts(petition))
    if kind == DocumentKind.EXTENSION:
        return petition.accepted_at is not None and petition.extension_days > 0
    return False


def _check_fits(petition: Petition, kind: str) -> None:
    if kind not in DocumentKind.values:
        message = _("Choose the kind of document.")
        raise ValidationFailed(message, errors={"kind": [message]})
    if not document_fits(petition, kind):
        raise InvalidTransition(
            _("A “%(kind)s” cannot be issued for a matter that is “%(status)s”.")
            % {"kind": DocumentKind(kind).label, "status": Status(petition.status).label}
        )


#: Who may issue each notice: the office for its decisions, the handling unit for its opinion.
DOCUMENT_ACTIONS: dict[str, str] = {
    DocumentKind.ACCEPTANCE: Action.PETITION_MANAGE,
    DocumentKind.DECLINE: Action.PETITION_MANAGE,
    DocumentKind.OPINION: Action.PETITION_HANDLE,
    DocumentKind.EXTENSION: Action.PETITION_MANAGE,
}


# --- the service -------------------------------------------------------------------------------


@transaction.atomic
def petition_document_generate(*, actor: User, petition: Petition, kind: str) -> PetitionDocument:
    """Generate the notice of ``kind`` as .docx and keep it with the matter (file, event, audit row)."""
    action = DOCUMENT_ACTIONS.get(kind, Action.PETITION_MANAGE)
    if not petition_list(user=actor, action=action).filter(pk=petition.pk).exists():
        raise PermissionRefused()
    petition = (
        Petition.objects.select_for_update(of=("self",))
        .select_related("unit", "handling_unit")
        .get(pk=petition.pk)
    )
    # Everything that can refuse runs before anything is written.
    content = render_docx(build_document(petition, kind, issued_on=today()))
    document = PetitionDocument(petition=petition, kind=kind, created_by=actor)
    document.file.save(f"{secrets.token_hex(16)}.docx", ContentFile(content), save=False)
    try:
        validated(document)
        document.save()
        petition_event_add(
            petition, actor=actor, kind=EventKind.DOCUMENT, data={"document": document.pk, "kind": kind}
        )
        # The number and kind say what was issued; the document's text (names) stays out of the log.
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=document,
            unit=petition.unit,
            changes={"kind": [None, kind], "petition": [None, petition.number]},
        )
    except BaseException:
        document.file.storage.delete(document.file.name)  # a refused save leaves no stray file
        raise
    return document


def petition_document_open(*, actor: User, petition: Petition, document_id: int) -> PetitionDocument:
    """A stored notice for download by someone who may issue that kind; every copy taken is audited.

    Notices name the petitioners, so each download is recorded as a view of personal data.
    """
    document = PetitionDocument.objects.filter(petition=petition, pk=document_id).first()
    if document is None:
        raise NotFound()
    action = DOCUMENT_ACTIONS.get(document.kind, Action.PETITION_MANAGE)
    if not petition_list(user=actor, action=action).filter(pk=petition.pk).exists():
        raise PermissionRefused()
    audit_record(
        actor=actor,
        action=AuditAction.VIEW_PERSONAL,
        obj=document,
        unit=petition.unit,
        changes={"fields": ["document"]},
        note="download",
    )
    return document
