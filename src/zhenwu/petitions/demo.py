"""Demo matters for `make run`: a dozen fictional residents' matters at different stages.

Every name, ID number and phone number here is invented (ID numbers carry valid checksums only so
the forms accept them). There is no list of residents to watch: only matters to answer.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhenwu.core.demo import NameGenerator, register_demo
from zhenwu.core.models import Unit, User
from zhenwu.petitions import services as s
from zhenwu.petitions.categories import categories_seed_defaults
from zhenwu.petitions.choices import DeclineRoute, IntakeChannel
from zhenwu.petitions.models import Category, Petition

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def fictional_id_number(rng: random.Random) -> str:
    """A made-up 18-character ID number with a correct GB 11643 check character."""
    birth = f"{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"430{rng.randint(100, 199)}{birth}{rng.randint(100, 999)}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    return body + check


# (category code, channel, summary, content, days ago received, furthest step)
MATTERS = [
    (
        "LABOUR-WAGE",
        IntakeChannel.VISIT,
        "工地拖欠农民工工资",
        "本人在镇区安置房工地务工五个月，包工头拖欠工资一万二千元至今未付，多次讨要无果，请求帮助追讨。",
        40,
        "answered",
    ),
    (
        "LAND-HOME",
        IntakeChannel.LETTER,
        "宅基地边界争议",
        "与邻居因宅基地边界发生争议，对方新建围墙占用我家约两米通道，请求镇里核实并调处。",
        30,
        "handling",
    ),
    (
        "ENV-POLLUTION",
        IntakeChannel.PHONE,
        "养猪场臭味影响生活",
        "村东头养猪场粪污直排水沟，夏季臭味严重，影响周边二十余户村民正常生活，请求整治。",
        25,
        "assigned",
    ),
    (
        "SOCIAL-DIBAO",
        IntakeChannel.VISIT,
        "申请低保未获答复",
        "家中老人常年患病，三个月前提交低保申请材料，至今没有答复，请求了解办理进度。",
        20,
        "accepted",
    ),
    (
        "INFRA-ROAD",
        IntakeChannel.ONLINE,
        "村道破损雨天无法通行",
        "河西村至镇上的村道多处塌陷，雨天积水严重，学生上学和村民出行困难，建议尽快维修。",
        12,
        "registered",
    ),
    (
        "LAND-CONTRACT",
        IntakeChannel.VISIT,
        "土地承包合同纠纷",
        "本人承包的三亩责任田被村组调整给他人，未与本人协商，请求恢复承包经营权。",
        9,
        "declined",
    ),
    (
        "ENV-NOISE",
        IntakeChannel.PHONE,
        "夜间施工噪声扰民",
        "镇区某工地连续多日夜间施工至凌晨，噪声严重影响休息，请求依法处理。",
        5,
        "registered",
    ),
    (
        "CONDUCT",
        IntakeChannel.LETTER,
        "反映村干部办事拖延",
        "到村委会开具证明多次被推诿，办事效率低，态度生硬，请求督促改进工作作风。",
        18,
        "accepted",
    ),
    (
        "SUGGEST",
        IntakeChannel.ONLINE,
        "建议增设公交站点",
        "柳湾村距最近公交站三公里，老人和学生出行不便，建议在村口增设一个公交停靠站。",
        3,
        "registered",
    ),
    (
        "SOCIAL-PENSION",
        IntakeChannel.VISIT,
        "养老保险缴费年限认定",
        "本人早年在乡办企业工作的年限未计入养老保险缴费年限，请求核实认定。",
        35,
        "rated",
    ),
]


VILLAGES = ["河东村", "河西村", "柳湾村", "青石村"]
OPINION = {
    "request": "请求解决所反映的问题。",
    "facts": "经实地核查，反映情况基本属实。",
    "decision": "已协调相关方限期解决，并将持续跟踪落实。",
    "basis": "《信访工作条例》第三十二条及相关政策规定。",
}
DECLINE_REASON = "属于土地承包经营纠纷，可向农村土地承包仲裁委员会申请仲裁或向人民法院起诉。"


def _user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).select_related("unit").first()


@transaction.atomic
def petitions_demo_load() -> str:
    """Idempotent: does nothing once the demo township has any matter."""
    created = categories_seed_defaults()
    township = Unit.objects.filter(code="HB").first()
    office, leader = _user("hb_office"), _user("hb_leader")
    village = Unit.objects.filter(code="HB-01").first()
    conduct_village = Unit.objects.filter(code="HB-02").first()
    handler = _user("hb_reporter")
    if not (township and office and leader and village and handler and conduct_village):
        return _("Demo matters: skipped (the demo township is incomplete).")
    if Petition.objects.filter(unit=township).exists():
        return _("Demo matters: already there.")
    rng = random.Random(2026)  # noqa: S311 -- invented demo data, not security
    names = NameGenerator(rng)
    now = timezone.now()
    for code, channel, summary, content, days_ago, step in MATTERS:
        petition, _code = s.petition_register(
            actor=office,
            unit=township,
            channel=channel,
            petitioners=[
                s.PetitionerIn(
                    name=names.name(),
                    id_number=fictional_id_number(rng),
                    phone=f"1390000{rng.randint(1000, 9999)}",
                    address=f"河坝镇{rng.choice(VILLAGES)}{rng.randint(1, 9)}组",
                )
            ],
            summary=summary,
            content=content,
            received_at=now - datetime.timedelta(days=days_ago, hours=rng.randint(0, 6)),
            category=Category.objects.filter(code=code).first(),
            accused_unit=conduct_village if code == "CONDUCT" else None,
        )
        if step == "declined":
            s.petition_decline(
                actor=office, petition=petition, route=DeclineRoute.LITIGATION, reason=DECLINE_REASON
            )
            continue
        if step == "registered":
            continue
        s.petition_accept(actor=office, petition=petition)
        if step == "accepted":
            continue
        s.petition_assign(actor=office, petition=petition, handling_unit=village, lead_official=leader)
        if step == "assigned":
            continue
        s.petition_start_handling(actor=handler, petition=petition)
        if step == "handling":
            continue
        s.petition_answer(actor=handler, petition=petition, **OPINION)
        if step == "rated":
            s.petition_rate(petition=petition, satisfaction="basically", comment="问题基本解决。")
    return _("Demo matters: %(n)d registered, %(c)d categories created.") % {"n": len(MATTERS), "c": created}


register_demo(petitions_demo_load)
