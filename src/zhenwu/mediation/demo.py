"""Demo disputes for `make run`: the dispute ledger of 河坝镇 over the last two months.

Eight disputes, each at a different point of its lifecycle, handled by the township's mediation
committee (``hb_mediator`` and the township's full-time mediator) or by 河东村's own committee (its
village mediator; registered by the village's grid worker ``hb_reporter``):

* a homestead boundary dispute referred from the demo petition 宅基地边界争议, two sessions, a written
  agreement, a follow-up visit that found it performed, closed;
* a neighbours' drainage dispute in mediation, one session, its target date a few days ahead;
* a wages dispute with a company, not accepted, the parties advised to go to labour arbitration;
* a family (elderly support) dispute ended without agreement and escalated to a petition;
* a dispute found by the village (排查) and only registered;
* a renovation contract dispute in mediation past its target date;
* a collision damages dispute referred by the police, agreed in writing, its follow-up due this week;
* an oral agreement between neighbours, its first follow-up found it being performed and a second
  one is scheduled.

How past moments are written: as in the reports and duty demos, each act runs inside
``unittest.mock.patch("django.utils.timezone.now")`` set to the moment it is meant to have happened,
so every rule of the services applies as it would have then. Audit events keep the real time of
loading (the demo data was written now).

The deadline engine refuses to compute into a year whose holidays it does not know, and the
mediation services compute the target date, the judicial-confirmation window and the first
follow-up from the moment of acceptance or agreement. Loaded late in the last year the calendar
knows, a dispute's deadline may reach into the next year: that dispute is then laid out as many
days earlier as it takes for its deadlines to fall in a known year (each attempt in a savepoint,
so a refused attempt leaves nothing behind).

Every name, ID number and phone number is invented (the ID numbers carry valid GB 11643 check
characters only so the forms accept them). The risk notes speak about the dispute, never about a
person, and nothing here watches or follows anyone (README, "What it deliberately does not do").
"""

import datetime
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.choices import Role
from zhenwu.core.deadlines import WorkCalendar
from zhenwu.core.demo import NameGenerator, register_demo
from zhenwu.core.localtime import beijing_date, beijing_moment
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.mediation.choices import Channel, DisputeSource, FollowUpMethod, PartyKind, PartySide, Performance
from zhenwu.mediation.models import Dispute, DisputeKind, FollowUp, MediationAgreement, MediationSession
from zhenwu.mediation.services import (
    AgreementIn,
    PartyIn,
    agreement_record,
    dispute_accept,
    dispute_close,
    dispute_decline,
    dispute_escalate,
    dispute_no_agreement,
    dispute_refer_from_petition,
    dispute_register,
    follow_up_record,
    follow_up_schedule,
    session_record,
)
from zhenwu.petitions import demo as _petitions_demo  # noqa: F401 -- see below
from zhenwu.petitions.choices import IntakeChannel
from zhenwu.petitions.models import Petition

# The petitions demo must load first: one of its matters is referred here, and it loads nothing once
# the township has any matter (the escalated dispute adds one). Loaders run in the order they are
# registered, and importing its module registers it before this one, whichever is imported first.

#: The demo petition the homestead boundary dispute is referred from (petitions/demo.py).
REFERRED_PETITION = "宅基地边界争议"
#: Area code of the invented ID numbers (the fictional 临溪县 borrows a Hunan-shaped code).
ID_AREA = "431127"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
#: Unified social credit code (GB 32100-2015): its 31 characters and the weights of its check character.
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE_PREFIX = "1380000"
TOWNSHIP_ROOM = "河坝镇人民调解室"
VILLAGE_ROOM = "河东村村民委员会调解室"


def fictional_id_number(born: datetime.date, serial: int) -> str:
    """An invented 18-character ID number with a correct GB 11643 check character."""
    body = f"{ID_AREA}{born:%Y%m%d}{serial % 1000:03d}"
    return body + _ID_CHECK[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def fictional_credit_code(body: str) -> str:
    """A unified social credit code from 17 characters and its GB 32100 check character."""
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return body + _CREDIT_CHARS[(31 - total % 31) % 31]


#: 临溪县恒达建材有限公司: enterprise (91), county code, organisation code.
COMPANY_CREDIT_CODE = fictional_credit_code("91431127MA4Q7KD2X")


@contextmanager
def _clock_at(moment: datetime.datetime) -> Iterator[None]:
    """Demo data only: the services' clock reads ``moment`` (see the module docstring)."""
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC)):
        yield


@dataclass
class _Context:
    township: Unit
    village: Unit
    office: User
    mediator: User  # 司法所所长、镇人民调解委员会主任
    full_time: User  # 专职人民调解员
    village_mediator: User
    reporter: User  # 河东村网格员
    kinds: dict[str, DisputeKind]
    rng: random.Random
    names: NameGenerator

    def kind(self, code: str) -> DisputeKind:
        return self.kinds.get(code) or self.kinds["other"]

    def person(self, side: str, born_year: int, address: str) -> PartyIn:
        born = datetime.date(born_year, self.rng.randint(1, 12), self.rng.randint(1, 28))
        return PartyIn(
            name=self.names.name(),
            kind=PartyKind.PERSON,
            side=side,
            id_number=fictional_id_number(born, self.rng.randint(10, 999)),
            phone=f"{MOBILE_PREFIX}{self.rng.randrange(10_000):04d}",
            address=address,
        )


def _at(day: datetime.date, offset: int, clock: str) -> datetime.datetime:
    """``clock`` (HH:MM, Beijing) on the day ``offset`` days from ``day``."""
    return beijing_moment(day + datetime.timedelta(days=offset), datetime.time.fromisoformat(clock))


def _session(
    dispute: Dispute, actor: User, held_at: datetime.datetime, place: str, people: str, text: str
) -> None:
    """A session, written up an hour and a half after it was held."""
    with _clock_at(held_at + datetime.timedelta(minutes=90)):
        session_record(
            actor=actor, dispute=dispute, held_at=held_at, participants=people, record=text, place=place
        )


def _participants(mediators: list[User], parties: list[PartyIn], others: str = "") -> str:
    applicants = "、".join(p.name for p in parties if p.side == PartySide.APPLICANT)
    respondents = "、".join(p.name for p in parties if p.side == PartySide.RESPONDENT)
    line = (
        f"调解员：{'、'.join(m.get_full_name() or m.username for m in mediators)}；"
        f"申请人：{applicants}；被申请人：{respondents}"
    )
    return f"{line}；{others}" if others else line


# --- the eight disputes --------------------------------------------------------------------------


def _homestead_boundary(ctx: _Context, day: datetime.date) -> None:
    """Referred from the demo petition; two sessions, a written agreement, performed, closed."""
    mediators = [ctx.mediator, ctx.full_time]
    neighbour = ctx.person(PartySide.RESPONDENT, 1966, "河坝镇河东村4组")
    referred_at = _at(day, -28, "10:20")
    petition = Petition.objects.filter(unit=ctx.township, summary=REFERRED_PETITION).order_by("pk").first()
    summary = "宅基地边界争议（新建围墙占用通道）"
    if petition is not None and petition.received_at < referred_at:
        with _clock_at(referred_at):
            dispute = dispute_refer_from_petition(
                actor=ctx.office,
                petition=petition,
                handling_unit=ctx.township,
                kind=ctx.kind("land_forest"),
                respondents=[neighbour],
                summary=summary,
                mediators=mediators,
            )
        parties = _parties_of(dispute)
    else:
        # The petition is not there (or would come after the referral): registered at the request.
        applicant = ctx.person(PartySide.APPLICANT, 1962, "河坝镇河东村4组")
        parties = [applicant, neighbour]
        with _clock_at(referred_at):
            dispute = dispute_register(
                actor=ctx.office,
                handling_unit=ctx.township,
                kind=ctx.kind("land_forest"),
                source=DisputeSource.RESIDENT_REQUEST,
                summary=summary,
                details="两户相邻，被申请人翻建院墙时新砌围墙，申请人认为围墙占用其家门前通道约两米。",
                place="河坝镇河东村4组",
                parties=parties,
                mediators=mediators,
            )
    with _clock_at(_at(day, -28, "15:00")):
        dispute_accept(actor=ctx.mediator, dispute=dispute)
    people = _participants(mediators, parties)
    _session(
        dispute,
        ctx.mediator,
        _at(day, -25, "09:30"),
        TOWNSHIP_ROOM,
        people,
        "听取双方陈述。申请人称被申请人新建围墙越过两户原分界线，占用其家门前通道约两米，出入不便；"
        "被申请人称围墙建在自家老墙基上，没有越界。调解员向双方释明《民法典》关于相邻关系的规定，"
        "建议请镇自然资源所工作人员对照宅基地使用证附图现场核对分界线，双方同意。",
    )
    signed = day + datetime.timedelta(days=-20)
    _session(
        dispute,
        ctx.full_time,
        _at(day, -20, "14:30"),
        "河东村4组现场",
        _participants(mediators, parties, "镇自然资源所工作人员1名、河东村村委会主任"),
        "现场核对宅基地使用证附图：新建围墙北段越过分界线约0.8米，南段未越界。"
        "经调解员说服，双方同意按核定的分界点重建北段围墙，两户之间保留共用通道，当场达成书面协议。",
    )
    with _clock_at(_at(day, -20, "17:10")):
        agreement_record(
            actor=ctx.mediator,
            dispute=dispute,
            data=AgreementIn(
                facts="申请人与被申请人系河东村4组相邻住户。被申请人翻建院墙时新砌围墙，申请人认为围墙"
                "占用其家门前通道，双方多次发生争执，申请人向镇政府来信反映，经转交镇人民调解委员会调解。",
                issues="两户宅基地分界线的位置；新建围墙是否占用申请人通行的通道。",
                responsibilities="经现场核对宅基地使用证附图，新建围墙北段越过分界线约0.8米，被申请人"
                "应承担主要责任；申请人在争执中推倒部分砌块，应承担相应责任。",
                terms="一、被申请人于协议生效之日起15日内拆除越界的北段围墙，按现场核定的分界点重新砌筑；"
                "二、两户之间保留宽1.5米的共用通道，双方均不得在通道内堆放杂物或搭建；"
                "三、申请人赔偿被申请人砌块损失人民币300元；"
                "四、双方不再就本次分界线问题发生争执。",
                performance_manner="围墙拆除和重建由被申请人自行组织施工，村人民调解委员会派员现场见证；"
                "赔偿款于协议签订当日当面付清。",
                performance_due=signed + datetime.timedelta(days=15),
                signed_on=signed,
            ),
        )
    visit = FollowUp.objects.filter(dispute=dispute, done_at__isnull=True).order_by("due_on").first()
    if visit is not None:
        with _clock_at(_at(visit.due_on, 0, "10:00")):
            follow_up_record(
                actor=ctx.full_time,
                follow_up=visit,
                performance=Performance.PERFORMED,
                notes="上门回访：北段围墙已按分界点重建，通道畅通；赔偿款已当面付清。双方表示满意。",
            )
        with _clock_at(_at(visit.due_on, 1, "09:00")):
            dispute_close(actor=ctx.mediator, dispute=dispute, note="协议已全部履行，回访无异议，结案。")


def _parties_of(dispute: Dispute) -> list[PartyIn]:
    return [PartyIn(name=p.name, kind=p.kind, side=p.side) for p in dispute.parties.all()]


def _drainage(ctx: _Context, day: datetime.date) -> None:
    """A neighbours' drainage dispute in 河东村: in mediation, one session, target date near."""
    parties = [
        ctx.person(PartySide.APPLICANT, 1971, "河坝镇河东村2组"),
        ctx.person(PartySide.RESPONDENT, 1968, "河坝镇河东村2组"),
    ]
    with _clock_at(_at(day, -27, "16:40")):
        dispute = dispute_register(
            actor=ctx.reporter,
            handling_unit=ctx.village,
            kind=ctx.kind("neighbours"),
            source=DisputeSource.RESIDENT_REQUEST,
            summary="邻里排水沟堵塞积水纠纷",
            details="被申请人硬化院坝时抬高地面并填堵两户之间的原有排水沟，雨天积水倒灌申请人厨房。"
            "申请人要求恢复排水沟，被申请人认为排水沟位于自家宅基地内。",
            place="河坝镇河东村2组",
            risk_note="汛期临近，排水问题不解决，雨天积水可能再次倒灌申请人厨房，争执容易升级；"
            "宜在汛期前促成双方就改建排水沟达成一致。",
            parties=parties,
            mediators=[ctx.village_mediator],
        )
    with _clock_at(_at(day, -26, "09:10")):
        dispute_accept(actor=ctx.village_mediator, dispute=dispute)
    _session(
        dispute,
        ctx.village_mediator,
        _at(day, -20, "19:30"),
        VILLAGE_ROOM,
        _participants([ctx.village_mediator], parties, "2组村民小组长"),
        "双方到场陈述。调解员与村民小组长一起查看现场，建议两户共同出资将排水沟改为暗管，沿分界线"
        "铺设。双方同意改建，但就费用如何分担未达成一致，约定下次调解前各自询价。",
    )


def _wages(ctx: _Context, day: datetime.date) -> None:
    """A wages dispute with a company: not accepted, advised to apply for labour arbitration."""
    worker = ctx.person(PartySide.APPLICANT, 1979, "河坝镇柳湾村5组")
    company = PartyIn(
        name="临溪县恒达建材有限公司",
        kind=PartyKind.ORGANISATION,
        side=PartySide.RESPONDENT,
        id_number=COMPANY_CREDIT_CODE,
        phone="0739-6385217",
        address="临溪县河坝镇工业园区建材路8号",
        representative=ctx.names.name(),
    )
    with _clock_at(_at(day, -44, "10:05")):
        dispute = dispute_register(
            actor=ctx.mediator,
            handling_unit=ctx.township,
            kind=ctx.kind("wages"),
            source=DisputeSource.RESIDENT_REQUEST,
            summary="解除劳动合同经济补偿金争议",
            details="申请人在该公司从事装卸搬运工作三年，公司以经营困难为由口头通知解除劳动关系，"
            "未支付经济补偿金和最后一个月工资。申请人请求公司支付共计约两万元。",
            place="河坝镇工业园区",
            parties=[worker, company],
            mediators=[ctx.mediator],
        )
    with _clock_at(_at(day, -43, "15:20")):
        dispute_decline(
            actor=ctx.mediator,
            dispute=dispute,
            reason="双方存在劳动合同关系，争议涉及解除劳动合同的经济补偿，属于劳动争议；"
            "公司明确表示不同意人民调解，要求依法仲裁。",
            channel=Channel.LABOUR_ARBITRATION,
            advice="已告知申请人向临溪县劳动人事争议仲裁委员会申请仲裁（仲裁时效期间为一年），"
            "并可到县法律援助中心申请法律援助。",
        )


def _elderly_support(ctx: _Context, day: datetime.date) -> None:
    """A family dispute over an elderly parent's support: no agreement, escalated to a petition."""
    mediators = [ctx.full_time]
    parties = [
        ctx.person(PartySide.APPLICANT, 1948, "河坝镇河西村1组"),
        ctx.person(PartySide.RESPONDENT, 1972, "河坝镇河西村1组"),
        ctx.person(PartySide.RESPONDENT, 1975, "临溪县城关镇新华路"),
    ]
    with _clock_at(_at(day, -50, "09:40")):
        dispute = dispute_register(
            actor=ctx.full_time,
            handling_unit=ctx.township,
            kind=ctx.kind("family"),
            source=DisputeSource.RESIDENT_REQUEST,
            summary="老人赡养费及照料纠纷",
            details="申请人年近八旬、患慢性病，两名子女对每月赡养费的分担比例和轮流照料的安排有争议，"
            "近三个月未按原口头约定支付赡养费。",
            place="河坝镇河西村1组",
            risk_note="申请人独居且需长期服药，赡养费长期无着落会直接影响其生活；"
            "两名被申请人之间的分歧比与申请人的分歧更大，调解时宜分别做工作。",
            parties=parties,
            mediators=mediators,
        )
    with _clock_at(_at(day, -49, "10:00")):
        dispute_accept(actor=ctx.full_time, dispute=dispute)
    people = _participants(mediators, parties, "河西村村委会妇女主任")
    _session(
        dispute,
        ctx.full_time,
        _at(day, -45, "09:30"),
        TOWNSHIP_ROOM,
        people,
        "调解员向双方讲解《民法典》关于成年子女赡养义务的规定。长子同意每月支付赡养费600元，"
        "女儿认为应按各自收入分担，并提出由长子负责日常照料。双方未能一致，约定一周后再次调解。",
    )
    _session(
        dispute,
        ctx.full_time,
        _at(day, -38, "14:30"),
        "河西村1组申请人家中",
        people,
        "在申请人家中再次调解。两名被申请人对赡养费分担比例和轮流照料的方式仍各执己见，"
        "均不接受调解员提出的按月轮流照料、赡养费平均分担的方案。",
    )
    with _clock_at(_at(day, -38, "17:00")):
        dispute_no_agreement(
            actor=ctx.full_time,
            dispute=dispute,
            reason="两名被申请人对赡养费分担比例和轮流照料的安排分歧较大，经两次调解未能达成一致。",
            channel=Channel.PETITION,
            advice="申请人希望由镇政府进一步协调，已引导至镇综治信访维稳中心登记；"
            "也可依法向人民法院提起赡养纠纷诉讼。",
        )
    with _clock_at(_at(day, -37, "09:30")):
        dispute_escalate(
            actor=ctx.office,
            dispute=dispute,
            channel=IntakeChannel.VISIT,
            content="申请人年迈多病，两名子女未按约定支付赡养费、未安排照料。经镇人民调解委员会两次调解"
            "未达成协议，请求镇政府协调解决其赡养问题。",
        )


def _livestock(ctx: _Context, day: datetime.date) -> None:
    """Found by 河东村's own 排查 two days ago and registered; not yet accepted."""
    parties = [
        ctx.person(PartySide.APPLICANT, 1958, "河坝镇河东村6组"),
        ctx.person(PartySide.RESPONDENT, 1964, "河坝镇河东村6组"),
    ]
    with _clock_at(_at(day, -2, "11:30")):
        dispute_register(
            actor=ctx.reporter,
            handling_unit=ctx.village,
            kind=ctx.kind("damages"),
            source=DisputeSource.FOUND_BY_UNIT,
            summary="散养耕牛踩踏邻户油菜苗赔偿纠纷",
            details="网格员排查时发现：被申请人散养的耕牛两次进入申请人油菜地，踩踏油菜苗约半亩，"
            "双方就赔偿数额发生口角。",
            place="河坝镇河东村6组",
            parties=parties,
            mediators=[ctx.village_mediator],
        )


def _renovation(ctx: _Context, day: datetime.date) -> None:
    """A renovation contract dispute in mediation past its target date."""
    parties = [
        ctx.person(PartySide.APPLICANT, 1976, "河坝镇滨河社区建设路"),
        ctx.person(PartySide.RESPONDENT, 1983, "河坝镇河坝社区新街12号"),
    ]
    with _clock_at(_at(day, -46, "15:10")):
        dispute = dispute_register(
            actor=ctx.mediator,
            handling_unit=ctx.township,
            kind=ctx.kind("contract"),
            source=DisputeSource.RESIDENT_REQUEST,
            summary="房屋装修工程款纠纷",
            details="申请人承包被申请人住房装修，完工后被申请人以卫生间渗水为由拒付剩余工程款1.2万元。",
            place="河坝镇河坝社区新街12号",
            risk_note="检测结果出来前双方都不肯让步：被申请人表示不返工就不付尾款，申请人表示不付尾款"
            "就不再保修，渗水可能殃及楼下住户，使争议扩大。",
            parties=parties,
            mediators=[ctx.mediator],
        )
    with _clock_at(_at(day, -45, "09:00")):
        dispute_accept(actor=ctx.mediator, dispute=dispute)
    _session(
        dispute,
        ctx.mediator,
        _at(day, -40, "15:00"),
        TOWNSHIP_ROOM,
        _participants([ctx.mediator], parties),
        "申请人要求支付剩余工程款1.2万元；被申请人认为卫生间防水不合格导致渗水，要求先返工。"
        "双方同意委托有资质的第三方检测防水后再行调解，检测费先由双方各垫付一半。",
    )


def _collision(ctx: _Context, day: datetime.date) -> None:
    """Referred by the police; agreed in writing; the first follow-up visit falls due this week."""
    mediators = [ctx.full_time]
    parties = [
        ctx.person(PartySide.APPLICANT, 1955, "河坝镇柳湾村3组"),
        ctx.person(PartySide.RESPONDENT, 1998, "河坝镇青石村2组"),
    ]
    with _clock_at(_at(day, -13, "16:20")):
        dispute = dispute_register(
            actor=ctx.full_time,
            handling_unit=ctx.township,
            kind=ctx.kind("damages"),
            source=DisputeSource.POLICE_OR_COURT,
            summary="电动自行车与行人碰撞赔偿纠纷",
            details="被申请人骑电动自行车在集镇路口与步行的申请人相撞，申请人左腕骨折。交警认定被申请人"
            "负主要责任，派出所征得双方同意后移送镇人民调解委员会调解赔偿事宜。",
            place="河坝镇集镇农贸市场路口",
            parties=parties,
            mediators=mediators,
        )
    with _clock_at(_at(day, -13, "17:00")):
        dispute_accept(actor=ctx.full_time, dispute=dispute)
    signed = day + datetime.timedelta(days=-12)
    _session(
        dispute,
        ctx.full_time,
        _at(day, -12, "09:30"),
        TOWNSHIP_ROOM,
        _participants(mediators, parties, "河坝派出所民警1名"),
        "根据交警责任认定和医疗费票据核算损失：医疗费6,850元、误工费和护理费2,400元、交通费300元。"
        "被申请人同意承担80%，双方达成书面协议。",
    )
    with _clock_at(_at(day, -12, "11:40")):
        agreement_record(
            actor=ctx.full_time,
            dispute=dispute,
            data=AgreementIn(
                facts="被申请人骑电动自行车在集镇农贸市场路口与步行的申请人相撞，致申请人左腕骨折，"
                "经县交警大队认定被申请人负主要责任、申请人负次要责任。",
                issues="医疗费、误工费、护理费和交通费的数额及分担。",
                responsibilities="被申请人负主要责任，承担损失的80%；申请人负次要责任，自行承担20%。",
                terms="被申请人赔偿申请人医疗费、误工费、护理费和交通费共计人民币7,640元；"
                "申请人今后不再就本次事故向被申请人主张其他赔偿。",
                performance_manner="被申请人于协议签订当日支付4,000元，其余3,640元在10日内转账支付至申请人账户。",
                performance_due=signed + datetime.timedelta(days=10),
                signed_on=signed,
            ),
        )


def _poultry(ctx: _Context, day: datetime.date) -> None:
    """An oral agreement between neighbours in 河东村; one follow-up made, a second one scheduled."""
    parties = [
        ctx.person(PartySide.APPLICANT, 1969, "河坝镇河东村1组"),
        ctx.person(PartySide.RESPONDENT, 1973, "河坝镇河东村1组"),
    ]
    with _clock_at(_at(day, -19, "18:20")):
        dispute = dispute_register(
            actor=ctx.village_mediator,
            handling_unit=ctx.village,
            kind=ctx.kind("neighbours"),
            source=DisputeSource.RESIDENT_REQUEST,
            summary="散养鸡鸭啄食邻户菜地纠纷",
            details="被申请人散养的鸡鸭多次进入申请人菜地啄食蔬菜，双方发生口角。",
            place="河坝镇河东村1组",
            parties=parties,
            mediators=[ctx.village_mediator],
        )
    with _clock_at(_at(day, -18, "08:30")):
        dispute_accept(actor=ctx.village_mediator, dispute=dispute)
    signed = day + datetime.timedelta(days=-18)
    _session(
        dispute,
        ctx.village_mediator,
        _at(day, -18, "09:00"),
        "河东村1组申请人菜地旁",
        _participants([ctx.village_mediator], parties),
        "现场查看菜地受损情况，双方当场口头达成协议：被申请人赔偿菜苗损失300元，并在菜地边修建围栏、"
        "圈养鸡鸭。调解员记录协议内容。",
    )
    with _clock_at(_at(day, -18, "11:00")):
        agreement_record(
            actor=ctx.village_mediator,
            dispute=dispute,
            data=AgreementIn(
                facts="被申请人散养的鸡鸭多次进入申请人菜地啄食蔬菜，双方发生口角。",
                issues="菜苗损失的赔偿；今后如何防止鸡鸭进入菜地。",
                responsibilities="被申请人未圈养家禽，应赔偿损失并采取防范措施。",
                terms="被申请人赔偿申请人菜苗损失300元，并在菜地边修建围栏、圈养鸡鸭。",
                performance_manner="赔偿款当场付清；围栏由被申请人在20日内修好。",
                performance_due=signed + datetime.timedelta(days=20),
                signed_on=signed,
                is_oral=True,
            ),
        )
    visit = FollowUp.objects.filter(dispute=dispute, done_at__isnull=True).order_by("due_on").first()
    if visit is None:
        return
    moment = _at(visit.due_on, 0, "16:00")
    if beijing_date(moment) >= beijing_date(timezone.now()):
        return  # the first visit is not due yet
    with _clock_at(moment):
        follow_up_record(
            actor=ctx.village_mediator,
            follow_up=visit,
            performance=Performance.IN_PROGRESS,
            notes="赔偿款已当场付清；围栏已修好一半，鸡鸭已圈养，剩余部分被申请人承诺一周内修完。",
        )
        follow_up_schedule(
            actor=ctx.village_mediator,
            dispute=dispute,
            due_on=visit.due_on + datetime.timedelta(days=7),
            method=FollowUpMethod.PHONE,
        )


#: In the order they are written (the township's dispute numbers follow it).
SCENARIOS: tuple[Callable[[_Context, datetime.date], None], ...] = (
    _elderly_support,
    _renovation,
    _wages,
    _homestead_boundary,
    _drainage,
    _poultry,
    _collision,
    _livestock,
)


def _context(rng: random.Random) -> _Context | None:
    township = Unit.objects.filter(code="HB", is_active=True).first()
    village = Unit.objects.filter(code="HB-01", is_active=True).first()
    if township is None or village is None:
        return None
    active = User.objects.filter(is_active=True).select_related("unit")
    office = active.filter(username="hb_office").first()
    mediator = active.filter(username="hb_mediator").first()
    reporter = active.filter(username="hb_reporter").first()
    full_time = active.filter(unit=township, role=Role.MEDIATOR).exclude(username="hb_mediator").first()
    village_mediator = active.filter(unit=village, role=Role.MEDIATOR).order_by("pk").first()
    kinds = {kind.code: kind for kind in DisputeKind.objects.filter(is_active=True)}
    if (
        office is None
        or mediator is None
        or reporter is None
        or full_time is None
        or village_mediator is None
        or "other" not in kinds
    ):
        return None
    return _Context(
        township=township,
        village=village,
        office=office,
        mediator=mediator,
        full_time=full_time,
        village_mediator=village_mediator,
        reporter=reporter,
        kinds=kinds,
        rng=rng,
        names=NameGenerator(rng),
    )


@transaction.atomic
def mediation_demo_load() -> str:
    """Idempotent: does nothing once the demo township has any dispute."""
    # A seed of its own: the parties' names are not drawn in step with the staff's or petitioners'.
    rng = random.Random("zhenwu-demo-mediation")  # noqa: S311 -- invented demo data, not security
    ctx = _context(rng)
    if ctx is None:
        return _("Demo mediation: skipped (the demo township is incomplete).")
    if Dispute.objects.filter(unit_subtree_q(ctx.township.path, prefix="handling_unit__")).exists():
        return _("Demo mediation: already there.")
    today = beijing_date(timezone.now())
    calendar = WorkCalendar()
    if not calendar.knows_year(today.year):
        return _("Demo mediation: skipped (the holidays of %(year)d are not entered yet).") % {
            "year": today.year
        }
    # A deadline reaching into a year whose holidays are unknown is left pending by the services
    # (filled in once the year is entered), so the scenarios need no special case near year end.
    for scenario in SCENARIOS:
        scenario(ctx, today)
    disputes = Dispute.objects.filter(unit_subtree_q(ctx.township.path, prefix="handling_unit__"))
    return _(
        "Demo mediation: %(disputes)d disputes, %(sessions)d sessions, %(agreements)d agreements, "
        "%(follow_ups)d follow-up visits."
    ) % {
        "disputes": disputes.count(),
        "sessions": MediationSession.objects.filter(dispute__in=disputes).count(),
        "agreements": MediationAgreement.objects.filter(dispute__in=disputes).count(),
        "follow_ups": FollowUp.objects.filter(dispute__in=disputes).count(),
    }


register_demo(mediation_demo_load)
