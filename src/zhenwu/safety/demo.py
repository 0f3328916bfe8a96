"""Demo safety data for `make run`: the hazard register, patrols and incidents of 河坝镇.

* two planned night patrols, in 河东村 (HB-01) and 柳湾村 (HB-03), for the weeks around the day of
  loading, with their special periods (春节, 全国两会) in the notes;
* six patrol records by the villages' reporters over the last six weeks: two found nothing, three
  raised a hazard in the same step, one raised its hazard from the record the next morning;
* ten hazards in all seven villages and communities, every category but "other", every severity and
  every state: five to be rectified (one overdue, one due in a few days, one sent back once after a
  rectification that did not hold, one major hazard with a rectification plan), one rectified by
  河东村's grid worker ``hb_reporter`` and awaiting verification (sign in as ``hb_office`` to verify
  it), one verified by a leader, two closed;
* four incidents (a small kitchen fire, a road accident with two injured, a workshop injury and a
  slope collapse after heavy rain) with their follow-up measures; the fire is closed.

Photos are small JPEGs drawn in memory (coloured rectangles, no text), checked and re-encoded by
``core.images`` like any upload. The incidents all happened more than a week before loading, before
the demo duty roster starts, so none of them is forwarded into a duty log.

How past moments are written: as in the reports and duty demos, each act runs inside
``unittest.mock.patch("django.utils.timezone.now")`` set to the moment it is meant to have happened,
so every rule of the services applies as it would have then. Audit events keep the real time of
loading (the demo data was written now). Nothing here concerns a resident: the finders are teams
and patrols, coordinates are of hazards (README, "What it deliberately does not do").
"""

import datetime
import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from zhenwu.core.choices import Role
from zhenwu.core.demo import NameGenerator, register_demo
from zhenwu.core.images import image_prepare
from zhenwu.core.localtime import beijing_date, beijing_moment
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import unit_subtree_q
from zhenwu.safety.choices import Discovery, HazardCategory, IncidentKind, Severity
from zhenwu.safety.models import Hazard, HazardPhoto, Incident, IncidentMeasure, PatrolRecord, PatrolRoute
from zhenwu.safety.services import (
    HazardIn,
    IncidentIn,
    PhotoIn,
    hazard_close,
    hazard_raise_from_patrol,
    hazard_rectify,
    hazard_report,
    hazard_verify,
    incident_close,
    incident_measure_add,
    incident_report,
    patrol_record_create,
    patrol_route_create,
)

#: The villages and communities of 河坝镇 the demo writes in (codes of core/demo.py).
UNIT_CODES = ("HB-01", "HB-02", "HB-03", "HB-04", "HB-05", "HB-06", "HB-07")
#: Colours of the drawn photos: before rectification warm, after it green and grey.
BEFORE_COLOURS = ((178, 74, 52), (204, 132, 48), (120, 96, 80), (150, 60, 60))
AFTER_COLOURS = ((70, 140, 90), (110, 150, 120), (150, 160, 150), (80, 120, 100))


@contextmanager
def _clock_at(moment: datetime.datetime) -> Iterator[None]:
    """Demo data only: the services' clock reads ``moment`` (see the module docstring)."""
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC)):
        yield


def demo_photo(rng: random.Random, colours: tuple[tuple[int, int, int], ...]) -> PhotoIn:
    """A 640×480 JPEG of a few coloured rectangles (no text), checked like an uploaded photo."""
    image = Image.new("RGB", (640, 480), rng.choice(colours))
    draw = ImageDraw.Draw(image)
    for _n in range(rng.randint(3, 6)):
        x, y = rng.randint(0, 520), rng.randint(0, 380)
        draw.rectangle((x, y, x + rng.randint(60, 240), y + rng.randint(40, 180)), fill=rng.choice(colours))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return PhotoIn(image_prepare(buffer.getvalue()))


def _at(day: datetime.date, offset: int, clock: str) -> datetime.datetime:
    """``clock`` (HH:MM, Beijing) on the day ``offset`` days from ``day``."""
    return beijing_moment(day + datetime.timedelta(days=offset), datetime.time.fromisoformat(clock))


def _reporters(units: dict[str, Unit]) -> dict[str, User]:
    """Each unit's reporter: its grid worker (网格员, ``hb_reporter`` in 河东村) if any, else the first."""
    chosen: dict[str, User] = {}
    codes = {unit.pk: code for code, unit in units.items()}
    people = User.objects.filter(unit__in=units.values(), role=Role.REPORTER, is_active=True).order_by("pk")
    for person in people:
        code = codes.get(person.unit_id or 0)
        if code is not None and (code not in chosen or "网格员" in person.position):
            chosen[code] = person
    return chosen


class _Loader:
    def __init__(
        self,
        *,
        today: datetime.date,
        units: dict[str, Unit],
        reporters: dict[str, User],
        office: User,
        leader: User,
    ) -> None:
        self.today = today
        self.units = units
        self.reporters = reporters
        self.office = office
        self.leader = leader
        # A seed of its own: the patrollers' names are not drawn in step with the staff's or parties'.
        self.rng = random.Random("zhenwu-demo-safety")  # noqa: S311 -- invented pictures and names, not security
        self.names = NameGenerator(self.rng)

    def at(self, offset: int, clock: str) -> datetime.datetime:
        return _at(self.today, offset, clock)

    def before(self) -> list[PhotoIn]:
        return [demo_photo(self.rng, BEFORE_COLOURS)]

    def after(self) -> list[PhotoIn]:
        return [demo_photo(self.rng, AFTER_COLOURS)]

    def team(self, label: str, size: int = 4) -> str:
        return f"{label}：" + "、".join(self.names.name() for _n in range(size))

    # --- patrols ---------------------------------------------------------------------------------

    def routes(self) -> tuple[PatrolRoute, PatrolRoute]:
        with _clock_at(self.at(-46, "15:00")):
            hedong = patrol_route_create(
                actor=self.office,
                unit=self.units["HB-01"],
                name="重点时段夜间防火巡逻",
                route="村委会—河东老街—李家祠堂—后山林区入口—晒谷场—村委会",
                start_time=datetime.time(20, 0),
                end_time=datetime.time(22, 30),
                starts_on=self.today - datetime.timedelta(days=45),
                ends_on=self.today + datetime.timedelta(days=45),
                notes="春节、全国两会等重点时段每晚一轮；志愿巡逻队4人一组，重点查看用火用电、柴草堆放和林区入口。",
            )
            liuwan = patrol_route_create(
                actor=self.office,
                unit=self.units["HB-03"],
                name="沿河夜间防火巡逻",
                route="柳湾码头—沿河堤村道—村小学—加油站—村委会",
                start_time=datetime.time(21, 0),
                end_time=datetime.time(0, 30),
                starts_on=self.today - datetime.timedelta(days=45),
                ends_on=self.today + datetime.timedelta(days=45),
                notes="春节、全国两会期间每晚一轮，其余时间每周二、五各一轮。",
            )
        return hedong, liuwan

    def patrol(
        self,
        code: str,
        route: PatrolRoute | None,
        started_at: datetime.datetime,
        minutes: int,
        findings: str,
        hazards: list[HazardIn] | None = None,
        team: str = "村志愿巡逻队",
    ) -> tuple[PatrolRecord, list[Hazard]]:
        ended_at = started_at + datetime.timedelta(minutes=minutes)
        with _clock_at(ended_at + datetime.timedelta(minutes=15)):
            return patrol_record_create(
                actor=self.reporters[code],
                unit=self.units[code],
                route=route,
                started_at=started_at,
                ended_at=ended_at,
                patrollers=self.team(team),
                route_taken=route.route if route is not None else "",
                findings=findings,
                hazards=hazards or (),
            )

    # --- hazard steps ----------------------------------------------------------------------------

    def report(
        self, code: str, moment: datetime.datetime, data: HazardIn, actor: User | None = None
    ) -> Hazard:
        with _clock_at(moment):
            return hazard_report(actor=actor or self.office, unit=self.units[code], data=data)

    def rectify(self, hazard: Hazard, moment: datetime.datetime, note: str, *, photo: bool = True) -> Hazard:
        code = hazard.responsible_unit.code
        with _clock_at(moment):
            return hazard_rectify(
                actor=self.reporters[code], hazard=hazard, note=note, photos=self.after() if photo else ()
            )

    def verify(
        self,
        hazard: Hazard,
        moment: datetime.datetime,
        note: str,
        *,
        by: User | None = None,
        accepted: bool = True,
    ) -> Hazard:
        with _clock_at(moment):
            return hazard_verify(actor=by or self.office, hazard=hazard, accepted=accepted, note=note)

    def close(self, hazard: Hazard, moment: datetime.datetime, note: str) -> Hazard:
        with _clock_at(moment):
            return hazard_close(actor=self.office, hazard=hazard, note=note)

    def load_patrols_and_hazards(self) -> None:
        hedong, liuwan = self.routes()
        self.patrol(
            "HB-01", hedong, self.at(-40, "20:00"), 150, "沿线情况正常，未发现隐患。", team="河东村志愿巡逻队"
        )

        # 河东村: a hazard raised in the same step as the patrol; rectified, verified, closed.
        _record, (straw,) = self.patrol(
            "HB-01",
            hedong,
            self.at(-30, "20:00"),
            155,
            "李家祠堂东侧柴草堆紧靠老旧电线杆，电线外皮破损。已提醒户主当晚不要在附近用火。",
            [
                HazardIn(
                    title="祠堂旁柴草堆紧靠破损电线",
                    category=HazardCategory.FIRE,
                    severity=Severity.GENERAL,
                    place="河东村李家祠堂东侧",
                    description="柴草堆距电线杆不足1米，电线外皮多处破损，遇风摆动时有打火可能。",
                    finder="河东村志愿巡逻队",
                    measures="清理柴草堆至安全距离外，联系供电所更换破损电线。",
                    photos=self.before(),
                )
            ],
            team="河东村志愿巡逻队",
        )
        self.rectify(straw, self.at(-24, "16:00"), "柴草堆已移至晒谷场北侧空地，供电所已更换该段电线。")
        self.verify(straw, self.at(-23, "10:30"), "现场查看，柴草已清走，新电线绝缘良好。")
        self.close(straw, self.at(-22, "09:00"), "整改到位，销号。")

        # 柳湾村: the missing guardrail, still to be rectified (a serious hazard: 30 days).
        self.patrol(
            "HB-03",
            liuwan,
            self.at(-25, "21:00"),
            220,
            "沿河堤村道约30米临水路段护栏缺失，夜间无照明。已在路段两端放置警示锥。",
            [
                HazardIn(
                    title="沿河堤村道临水路段护栏缺失",
                    category=HazardCategory.ROAD_TRAFFIC,
                    severity=Severity.SERIOUS,
                    place="柳湾村沿河堤村道（码头至村小学段）",
                    description="临水一侧约30米护栏缺失，路面距水面约2米，夜间无路灯。",
                    latitude="27.716482",
                    longitude="111.893207",
                    finder="柳湾村志愿巡逻队",
                    measures="补装波形护栏，增设路灯和警示标志。",
                    photos=self.before(),
                )
            ],
            team="柳湾村志愿巡逻队",
        )
        self.patrol(
            "HB-03",
            liuwan,
            self.at(-12, "21:00"),
            200,
            "沿线情况正常；提醒两户村民熄灭田边焚烧的秸秆。",
            team="柳湾村志愿巡逻队",
        )

        # 河东村: raised from the record the next morning; rectified by the grid worker, to be verified.
        record, _none = self.patrol(
            "HB-01",
            hedong,
            self.at(-6, "20:00"),
            150,
            "晒谷场旁一户从二楼窗口拉电线到院内给电动车充电，插线板放在地上。",
            team="河东村志愿巡逻队",
        )
        with _clock_at(self.at(-5, "08:40")):
            wiring = hazard_raise_from_patrol(
                actor=self.reporters["HB-01"],
                record=record,
                data=HazardIn(
                    title="私拉电线给电动车充电",
                    category=HazardCategory.FIRE,
                    severity=Severity.GENERAL,
                    place="河东村晒谷场旁",
                    description="从二楼窗口拉电线到院内充电，插线板放在地上，雨天有漏电和起火危险。",
                    finder="河东村志愿巡逻队",
                    measures="拆除私拉电线，引导到村集中充电点充电。",
                    photos=self.before(),
                ),
            )
        self.rectify(wiring, self.at(-1, "15:30"), "私拉电线已拆除，户主已到村委会旁集中充电点充电。")

        # 河西村: a daytime check of the river banks before the flood season, without a planned route.
        self.patrol(
            "HB-02",
            None,
            self.at(-3, "09:00"),
            150,
            "河西桥下游约50米处河岸出现长约8米的裂缝，岸坡有下沉迹象。已设置警示带。",
            [
                HazardIn(
                    title="河西桥下游河岸开裂",
                    category=HazardCategory.FLOOD_GEOLOGICAL,
                    severity=Severity.SERIOUS,
                    place="河西村河西桥下游约50米",
                    description="河岸裂缝长约8米、宽2至3厘米，岸坡有下沉迹象，汛期有垮塌风险。",
                    latitude="27.731245",
                    longitude="111.902318",
                    finder="河西村巡查组",
                    measures="设置警示带，请县水利局现场勘查后制定加固方案。",
                    photos=self.before(),
                )
            ],
            team="河西村巡查组",
        )

        # Found on inspections and from residents' reports.
        self.report(
            "HB-06",
            self.at(-22, "10:30"),
            HazardIn(
                title="餐馆液化气钢瓶与灶具间距不足、软管老化",
                category=HazardCategory.GAS,
                severity=Severity.GENERAL,
                place="河坝社区新街一餐馆后厨",
                description="钢瓶紧挨灶具，连接软管老化开裂，后厨未安装可燃气体报警器。",
                finder="镇安全生产检查组",
                measures="更换金属波纹连接管，钢瓶移至独立通风的钢瓶间，安装可燃气体报警器。",
                photos=self.before(),
            ),
        )  # due 15 days later: overdue now
        old_house = self.report(
            "HB-04",
            self.at(-52, "14:00"),
            HazardIn(
                title="废弃砖瓦房墙体开裂倾斜",
                category=HazardCategory.BUILDINGS,
                severity=Severity.SERIOUS,
                place="青石村村委会旁村道边",
                description="无人居住的砖瓦房山墙开裂并向村道倾斜，雨季有倒塌危险。",
                finder="镇应急管理办公室检查组",
                measures="拆除危墙，设置警示围挡。",
                photos=self.before(),
            ),
        )
        self.rectify(old_house, self.at(-30, "17:00"), "已拆除倾斜山墙，清运砖块，四周设置警示围挡。")
        self.verify(old_house, self.at(-28, "10:00"), "现场复查，危墙已拆除，围挡完好。", by=self.leader)
        self.report(
            "HB-05",
            self.at(-35, "15:20"),
            HazardIn(
                title="农资店农药与化肥、种子混放",
                category=HazardCategory.HAZARDOUS_CHEMICALS,
                severity=Severity.MAJOR,
                place="枫林村集中居住点农资店",
                description="农药与化肥、种子同室混放，无防渗漏托盘和通风设施，进销台账不全。",
                finder="县市场监管局与镇应急管理办公室联合检查组",
                measures="整改方案：农药单独存放于专用仓库，配备防渗漏托盘和通风设施，建立进销台账；"
                "整改完成前暂停销售高毒农药。",
                photos=self.before(),
            ),
        )
        self.report(
            "HB-02",
            self.at(-12, "10:00"),
            HazardIn(
                title="竹木加工厂电锯防护罩缺失、车间电线乱拉",
                category=HazardCategory.PRODUCTION,
                severity=Severity.GENERAL,
                place="河西村竹木加工厂",
                description="事故后检查发现：两台电锯防护罩缺失，车间电线随地敷设，未配灭火器。",
                finder="镇应急管理办公室检查组",
                measures="加装防护罩，电线穿管敷设，配齐灭火器，对工人进行安全培训。",
            ),
        )  # due in three days
        mirror = self.report(
            "HB-07",
            self.at(-10, "09:20"),
            HazardIn(
                title="小区出口凸面镜损坏",
                category=HazardCategory.ROAD_TRAFFIC,
                severity=Severity.GENERAL,
                place="滨河社区滨河花园小区出口",
                description="出口处凸面镜破碎，车辆驶出时看不到主干道来车。",
                discovery=Discovery.RESIDENT_REPORT,
                finder="群众电话反映",
                measures="更换凸面镜。",
            ),
            actor=self.reporters["HB-07"],
        )
        self.rectify(mirror, self.at(-7, "14:00"), "已更换新的凸面镜，并加装“减速慢行”标志。")
        self.verify(mirror, self.at(-6, "10:00"), "现场查看，视线良好。")
        self.close(mirror, self.at(-5, "09:30"), "整改到位，销号。")
        corridor = self.report(
            "HB-06",
            self.at(-9, "15:00"),
            HazardIn(
                title="居民楼楼道堆放杂物、电动车停放充电",
                category=HazardCategory.FIRE,
                severity=Severity.GENERAL,
                place="河坝社区新街3栋2单元",
                description="一至三楼楼道堆放纸箱和旧家具，两辆电动车在楼道内停放充电，堵塞疏散通道。",
                finder="社区网格员",
                measures="清理楼道杂物，电动车移至小区集中充电棚。",
            ),
            actor=self.reporters["HB-06"],
        )
        self.rectify(
            corridor, self.at(-5, "17:00"), "楼道杂物已清理，张贴了禁止停放电动车的提示。", photo=False
        )
        self.verify(
            corridor,
            self.at(-4, "10:00"),
            "复查时二楼楼道仍有一辆电动车在充电，请督促移至集中充电棚后再报整改。",
            accepted=False,
        )

    # --- incidents -------------------------------------------------------------------------------

    def incident(self, code: str, data: IncidentIn, reported_after: int) -> Incident:
        with _clock_at(data.occurred_at + datetime.timedelta(minutes=reported_after)):
            return incident_report(actor=self.reporters[code], unit=self.units[code], data=data)

    def measure(
        self, incident: Incident, moment: datetime.datetime, text: str, by: User | None = None
    ) -> None:
        with _clock_at(moment):
            incident_measure_add(actor=by or self.office, incident=incident, text=text)

    def load_incidents(self) -> None:
        fire = self.incident(
            "HB-03",
            IncidentIn(
                kind=IncidentKind.FIRE,
                occurred_at=self.at(-35, "19:40"),
                place="柳湾村4组一农户厨房",
                summary="柴灶余火引燃柴草堆，小型火灾",
                description="农户做饭后柴灶余火未熄，引燃灶边柴草，烧毁厨房部分屋顶和杂物，无人员伤亡。",
                direct_loss=Decimal("3000"),
                response_units="河坝镇专职消防队、柳湾村义务消防队",
            ),
            reported_after=25,
        )
        self.measure(
            fire,
            self.at(-34, "10:00"),
            "镇应急管理办公室会同柳湾村排查全村柴草堆放，督促农户柴草与灶房保持安全距离。",
        )
        self.measure(
            fire, self.at(-33, "09:00"), "村广播连续三天播放冬季用火安全提示，向每户发放防火明白卡。"
        )
        with _clock_at(self.at(-30, "16:00")):
            incident_close(
                actor=self.office, incident=fire, note="起火原因已查明，无人员伤亡，防范措施已落实。"
            )

        road = self.incident(
            "HB-02",
            IncidentIn(
                kind=IncidentKind.ROAD_ACCIDENT,
                occurred_at=self.at(-18, "07:50"),
                place="河西村村道二组急弯处",
                summary="摩托车与三轮车相撞，2人受伤",
                description="雨天路滑，摩托车在急弯处与对向三轮车相撞，两车驾驶人受伤。",
                injuries=2,
                direct_loss=Decimal("8000"),
                response_units="县交警大队河坝中队、河坝镇卫生院",
            ),
            reported_after=30,
        )
        self.measure(road, self.at(-18, "15:00"), "2名伤者送县人民医院救治，均无生命危险；交警已现场勘查。")
        self.measure(road, self.at(-15, "11:00"), "镇交通办在该急弯处增设减速带、凸面镜和急弯警示标志。")

        workshop = self.incident(
            "HB-02",
            IncidentIn(
                kind=IncidentKind.PRODUCTION_ACCIDENT,
                occurred_at=self.at(-13, "10:20"),
                place="河西村竹木加工厂车间",
                summary="工人操作电锯时左手受伤",
                description="工人在无防护罩的电锯上锯切竹料时左手被划伤。",
                injuries=1,
                direct_loss=Decimal("0"),
                response_units="河坝镇卫生院",
            ),
            reported_after=40,
        )
        self.measure(workshop, self.at(-13, "16:00"), "伤者经镇卫生院处置后转县人民医院，无生命危险。")
        self.measure(
            workshop,
            self.at(-12, "09:00"),
            "责令该厂停产整顿，镇应急管理办公室对全部设备防护装置进行检查，发现的问题已列入隐患台账。",
        )

        slope = self.incident(
            "HB-04",
            IncidentIn(
                kind=IncidentKind.NATURAL_DISASTER,
                occurred_at=self.at(-11, "05:30"),
                place="青石村通组公路3公里处",
                summary="强降雨致边坡小面积滑塌，阻断村道",
                description="连续强降雨后边坡滑塌约200立方米，阻断村道约20米，无人员伤亡。",
                direct_loss=Decimal("20000"),
                response_units="河坝镇应急管理办公室、青石村村委会",
            ),
            reported_after=50,
        )
        self.measure(slope, self.at(-11, "08:30"), "设置警示标志，临时封闭道路，在两端安排人员劝导车辆绕行。")
        self.measure(
            slope, self.at(-10, "18:00"), "组织机械清理塌方，道路已恢复单向通行；请县交通局评估边坡治理。"
        )


@transaction.atomic
def safety_demo_load() -> str:
    """Idempotent: does nothing once the demo township has any hazard, patrol or incident."""
    township = Unit.objects.filter(code="HB", is_active=True).first()
    office = User.objects.filter(username="hb_office", is_active=True).select_related("unit").first()
    leader = User.objects.filter(username="hb_leader", is_active=True).select_related("unit").first()
    units = {u.code: u for u in Unit.objects.filter(code__in=UNIT_CODES, is_active=True)}
    reporters = _reporters(units)
    if township is None or office is None or leader is None or set(reporters) != set(UNIT_CODES):
        return _("Demo safety: skipped (the demo township is incomplete).")
    subtree = unit_subtree_q(township.path, prefix="unit__")
    if (
        Hazard.objects.filter(subtree).exists()
        or PatrolRoute.objects.filter(subtree).exists()
        or PatrolRecord.objects.filter(subtree).exists()
        or Incident.objects.filter(subtree).exists()
    ):
        return _("Demo safety: already there.")
    loader = _Loader(
        today=beijing_date(timezone.now()), units=units, reporters=reporters, office=office, leader=leader
    )
    loader.load_patrols_and_hazards()
    loader.load_incidents()
    hazards = Hazard.objects.filter(subtree)
    incidents = Incident.objects.filter(subtree)
    return _(
        "Demo safety: %(hazards)d hazards with %(photos)d photos, %(routes)d patrol routes, "
        "%(patrols)d patrol records, %(incidents)d incidents with %(measures)d follow-up measures."
    ) % {
        "hazards": hazards.count(),
        "photos": HazardPhoto.objects.filter(hazard__in=hazards).count(),
        "routes": PatrolRoute.objects.filter(subtree).count(),
        "patrols": PatrolRecord.objects.filter(subtree).count(),
        "incidents": incidents.count(),
        "measures": IncidentMeasure.objects.filter(incident__in=incidents).count(),
    }


register_demo(safety_demo_load)
