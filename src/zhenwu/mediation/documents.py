"""The mediation documents as .docx in the GB/T 9704 layout (``core.documents``).

- mediation agreement (人民调解协议书, 人民调解法 Art. 29): the parties' details, the facts, the
  matters in dispute, each party's responsibility, the terms, the manner and time limit of
  performance; when it takes effect, the copies each side keeps, the window for judicial
  confirmation (Art. 33) and the signature lines. An oral agreement is written up as the
  mediator's record of it (口头调解协议记录, Art. 28): it takes effect when reached (Art. 30) and
  has no confirmation window.
- mediation record (人民调解记录, Art. 27): the dispute and each session in the order held.

Decisions the law leaves to the committee:

* the issuing body is the handling unit's mediation committee (``<unit>人民调解委员会``), shown as
  the document's issuing-body mark and signature, dated the day the agreement took effect;
* the number is the committee's case number ``（2026）HB调字第0001号``, from the dispute's number
  ``2026-HB-TJ0001``;
* the agreement is the document the parties sign, so it carries their real details (ID number,
  address, phone); the record names the parties and their sides only.

Like the petition notices, the wording is Chinese data, not translatable interface text: these are
documents issued to residents, the same whatever language the person printing them reads the pages
in. Only the refusals (a dispute without an agreement or a session) are interface text.
"""

import datetime
import re
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.documents import (
    DOCUMENT_TZ,
    Heading,
    OfficialDocument,
    chinese_date,
    chinese_numeral,
    render_docx,
)
from zhenwu.core.exceptions import InvalidTransition
from zhenwu.core.rules import get_rule
from zhenwu.mediation.choices import PartyKind, PartySide
from zhenwu.mediation.models import Dispute, DisputeParty, MediationAgreement, MediationSession

#: The side of a party as the documents write it.
SIDE_WORDS: dict[str, str] = {
    PartySide.APPLICANT: "申请人",
    PartySide.RESPONDENT: "被申请人",
    PartySide.THIRD_PARTY: "第三人",
}

AGREEMENT_TITLE = "人民调解协议书"
ORAL_AGREEMENT_TITLE = "口头调解协议记录"
RECORD_TITLE = "人民调解记录"

AGREEMENT_HEADINGS = (
    "一、当事人基本情况",
    "二、纠纷主要事实、争议事项",
    "三、各方当事人的责任",
    "四、经调解自愿达成如下协议",
    "五、履行方式和期限",
)

#: The blank a signature goes on.
SIGN_HERE = "＿" * 8

_NUMBER_RE = re.compile(r"^(?P<year>\d{4})-(?P<unit>.+)-TJ(?P<sequence>\d+)$")


# --- words ---------------------------------------------------------------------------------------


def committee_name(dispute: Dispute) -> str:
    """河坝镇人民调解委员会: the handling unit's mediation committee."""
    return f"{dispute.handling_unit.name}人民调解委员会"


def document_number(dispute: Dispute) -> str:
    """（2026）HB调字第0001号 from 2026-HB-TJ0001; a number in another form is shown as it is."""
    match = _NUMBER_RE.match(dispute.number)
    if match is None:
        return f"编号：{dispute.number}"
    return f"（{match['year']}）{match['unit']}调字第{match['sequence']}号"


def chinese_time(moment: datetime.datetime) -> str:
    """2026年3月10日14时30分 (9时 on the hour), in Beijing time."""
    local = timezone.localtime(moment, DOCUMENT_TZ)
    clock = f"{local.hour}时{local.minute}分" if local.minute else f"{local.hour}时"
    return f"{chinese_date(local.date())}{clock}"


def _side(party: DisputeParty) -> str:
    return SIDE_WORDS.get(party.side, party.side)


def _party_details(party: DisputeParty) -> str:
    """申请人：张小明，公民身份号码110105…，住址…，联系电话…。 (the real details: the parties sign this)."""
    if party.kind == PartyKind.ORGANISATION:
        details = [
            ("统一社会信用代码", party.id_number),
            ("法定代表人", party.representative),
            ("住所", party.address),
            ("联系电话", party.phone),
        ]
    else:
        details = [
            ("公民身份号码", party.id_number),
            ("住址", party.address),
            ("联系电话", party.phone),
        ]
    text = f"{_side(party)}：{party.name}"
    for label, value in details:
        if value.strip():
            text += f"，{label}：{value.strip()}"
    return text + "。"


def _parties(dispute: Dispute) -> list[DisputeParty]:
    return list(dispute.parties.order_by("order", "id"))


def _mediator_names(dispute: Dispute) -> list[str]:
    return [person.get_full_name() for person in dispute.mediators.order_by("full_name", "id")]


def _one_line(text: str) -> str:
    """A text field as one paragraph per line (the writer splits on newlines)."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


# --- the agreement -------------------------------------------------------------------------------


def _agreement(dispute: Dispute) -> MediationAgreement:
    agreement = MediationAgreement.objects.filter(dispute=dispute).first()
    if agreement is None:
        raise InvalidTransition(
            _("Dispute %(number)s has no mediation agreement: record the agreement first.")
            % {"number": dispute.number}
        )
    return agreement


def _signature_lines(parties: Sequence[DisputeParty], mediators: Sequence[str]) -> list[str]:
    lines = [f"当事人（签名、盖章或按指印）：{SIGN_HERE}（{_side(p)}：{p.name}）" for p in parties]
    lines += [f"人民调解员（签名）：{SIGN_HERE}（{name}）" for name in mediators]
    return lines


def agreement_document(dispute: Dispute) -> OfficialDocument:
    """What the agreement (or the record of an oral agreement) says; see the module docstring."""
    agreement = _agreement(dispute)
    committee = committee_name(dispute)
    parties = _parties(dispute)
    mediators = _mediator_names(dispute)
    signed_on = chinese_date(agreement.signed_on)
    body: list[str | Heading] = []
    if agreement.is_oral:
        body.append(
            f"各方当事人经{committee}调解，于{signed_on}达成口头调解协议。"
            "根据《中华人民共和国人民调解法》第二十八条的规定，人民调解员将协议内容记录如下："
        )
    body += [
        Heading(AGREEMENT_HEADINGS[0]),
        "\n".join(_party_details(p) for p in parties),
        Heading(AGREEMENT_HEADINGS[1]),
        _one_line(agreement.facts),
        "争议事项：" + _one_line(agreement.issues),
        Heading(AGREEMENT_HEADINGS[2]),
        _one_line(agreement.responsibilities),
        Heading(AGREEMENT_HEADINGS[3]),
        _one_line(agreement.terms),
        Heading(AGREEMENT_HEADINGS[4]),
        "履行方式：" + _one_line(agreement.performance_manner),
        f"履行期限：{chinese_date(agreement.performance_due)}前履行完毕。",
    ]
    if agreement.is_oral:
        # Art. 30: an oral agreement takes effect when the parties reach it; the committee files the record.
        body += [
            f"本口头调解协议自各方当事人达成协议之日（{signed_on}）起生效。",
            "本记录经各方当事人签名、盖章或者按指印确认，由人民调解委员会存档。",
        ]
    else:
        body += [
            "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。",
            f"本协议一式{agreement.copies}份，各方当事人、人民调解委员会各执一份。",
        ]
        if agreement.confirmation_due_on is not None:
            days = get_rule("mediation.judicial_confirmation").days
            body.append(
                f"各方当事人认为有必要的，可以自本协议生效之日起{days}日内"
                f"（{chinese_date(agreement.confirmation_due_on)}前）共同向人民法院申请司法确认。"
            )
    body.append("\n".join(_signature_lines(parties, mediators)))
    return OfficialDocument(
        header=committee,
        number=document_number(dispute),
        title=ORAL_AGREEMENT_TITLE if agreement.is_oral else AGREEMENT_TITLE,
        body=body,
        issuer=committee,
        dated_on=agreement.signed_on,
    )


def agreement_docx(dispute: Dispute) -> bytes:
    """The 人民调解协议书 (or 口头调解协议记录) of ``dispute`` as .docx; InvalidTransition without one."""
    return render_docx(agreement_document(dispute))


# --- the record ----------------------------------------------------------------------------------


def _sessions(dispute: Dispute) -> list[MediationSession]:
    sessions = list(dispute.sessions.select_related("recorded_by").order_by("held_at", "id"))
    if not sessions:
        raise InvalidTransition(
            _("Dispute %(number)s has no mediation session recorded yet.") % {"number": dispute.number}
        )
    return sessions


def record_document(dispute: Dispute) -> OfficialDocument:
    """The mediation record (Art. 27): the dispute, then each session in the order held."""
    sessions = _sessions(dispute)
    committee = committee_name(dispute)
    sides: dict[str, list[str]] = {}
    for party in _parties(dispute):
        sides.setdefault(_side(party), []).append(party.name)
    body: list[str | Heading] = [
        "\n".join(
            [
                f"纠纷编号：{dispute.number}",
                f"纠纷类型：{dispute.kind.name}",
                "当事人：" + "；".join(f"{side}：{'、'.join(names)}" for side, names in sides.items()),
                f"纠纷简况：{dispute.summary}",
            ]
        )
    ]
    for index, session in enumerate(sessions, start=1):
        number = chinese_numeral(index)
        lines = [f"时间：{chinese_time(session.held_at)}"]
        if session.place:
            lines.append(f"地点：{session.place}")
        lines += [
            f"参加人员：{_one_line(session.participants).replace(chr(10), '；')}",
            "调解情况：",
            _one_line(session.record),
            f"记录人：{session.recorded_by.get_full_name()}",
        ]
        body += [Heading(f"{number}、第{number}次调解"), "\n".join(lines)]
    body.append("人民调解员：" + "、".join(_mediator_names(dispute)))
    return OfficialDocument(
        header=committee,
        number=document_number(dispute),
        title=RECORD_TITLE,
        body=body,
        issuer=committee,
        dated_on=timezone.localtime(sessions[-1].held_at, DOCUMENT_TZ).date(),
    )


def session_record_docx(dispute: Dispute) -> bytes:
    """The 人民调解记录 of ``dispute`` as .docx; InvalidTransition when no session is recorded."""
    return render_docx(record_document(dispute))


# --- file names ----------------------------------------------------------------------------------


def agreement_filename(dispute: Dispute) -> str:
    """调解协议书-2026-HB-TJ0001.docx; the msgid is English."""
    return _("mediation-agreement-%(number)s.docx") % {"number": dispute.number}


def record_filename(dispute: Dispute) -> str:
    """调解记录-2026-HB-TJ0001.docx; the msgid is English."""
    return _("mediation-record-%(number)s.docx") % {"number": dispute.number}
