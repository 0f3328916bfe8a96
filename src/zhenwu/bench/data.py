"""The benchmark's synthetic data: one persisted dataset per scale, composed locally and seeded.

Nothing is downloaded: names, places and petition texts are composed from the phrase lists below
with ``random.Random(seed)``, so a scale always yields the same rows. Generation writes with bulk
operations (``bulk_create`` in batches, one transaction per batch) except where the service itself
is what builds the rows (the report schedule's slots, the duty rosters' set-up), and is done once
per database: ``generate`` refuses a database that already holds a dataset, ``load_dataset`` finds
it again. Every scale lives in its own database (``scripts/bench.sh`` gives each one its own
``var/bench/...`` directory or PostgreSQL database).

The unit tree is counties of 20 townships of 19 villages (401 units a county); a province is 50 such
counties as roots of the tree (there is no province unit kind: a county runs one zhenwu, so a
province-sized instance is the same tree, many times). Accounts: per county an administrator; per
township an office account and a leader; per village a reporter; per unit of the first county a
duty pool of 3 leaders and 6 officers (the 31-day rosters of 401 units). Benchmark accounts have no
usable password (the scenarios log in with ``force_login``; the load run creates sessions).
"""

import dataclasses
import datetime
import json
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import F, Model
from django.utils import timezone

from zhenwu.core.choices import Interface, Role, UnitKind
from zhenwu.core.context import acting_through
from zhenwu.core.localtime import beijing_moment
from zhenwu.core.models import Unit, User
from zhenwu.core.models.units import PATH_SEGMENT
from zhenwu.petitions.choices import EventKind, IntakeChannel, Stage, Status
from zhenwu.petitions.models import Category, Petition, Petitioner, PetitionEvent, PetitionParty
from zhenwu.petitions.search import search_text_for


@dataclasses.dataclass(frozen=True)
class Scale:
    name: str
    counties: int
    townships: int  # per county
    villages: int  # per township
    petitions: int
    report_days: int  # 0: no report schedule
    roster_days: int  # 0: no duty rosters
    events: int  # timeline events per matter

    @property
    def units(self) -> int:
        return self.counties * (1 + self.townships * (1 + self.villages))


SCALES: dict[str, Scale] = {
    scale.name: scale
    for scale in (
        # For the tests of the benchmark itself.
        Scale(
            "tiny", counties=1, townships=2, villages=3, petitions=60, report_days=4, roster_days=3, events=2
        ),
        Scale("township", 1, 1, 29, 1_000, report_days=60, roster_days=31, events=2),
        Scale("county", 1, 20, 19, 100_000, report_days=60, roster_days=31, events=2),
        Scale("province", 50, 20, 19, 1_000_000, report_days=0, roster_days=0, events=1),
    )
}

#: Rows per bulk statement batch and per transaction.
BATCH = 5000
SEED = 2026
REPORT_TIMES = ("09:00", "17:00")
#: Days of the report period still ahead (the rest has passed and is mostly reported).
REPORT_DAYS_AHEAD = 2
LEADERS, OFFICERS = 3, 6

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰春梅海峰云飞德福林凤金荣文斌燕琴新亮"
PLACE_HEADS = "河石柳青枫桥龙凤金银白黄清平安兴和新东西南北大小上下双三五马牛杨李刘"
PLACE_TAILS = ("湾", "坝", "桥", "山", "岭", "塘", "坪", "沟", "口", "庄", "堡", "集", "岗", "坡", "溪")
COMPANIES = ("建筑劳务公司", "食品加工厂", "物流公司", "砖厂", "家具厂", "养殖合作社", "建材公司", "物业公司")
REPORT_FIELDS: list[dict[str, Any]] = [
    {"key": "incidents", "label": "安全事故（起）", "kind": "count"},
    {"key": "hazards", "label": "排查发现安全隐患（处）", "kind": "count"},
    {"key": "disputes", "label": "受理矛盾纠纷（件）", "kind": "count"},
    {"key": "duty_on_shift", "label": "值班人员在岗", "kind": "yes_no"},
    {"key": "other", "label": "其他情况", "kind": "text", "required": False},
]

#: (category code, name, summary templates, text templates). Placeholders: {village} {person}
#: {company} {n} {amount} {months} {road}.
TOPICS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "labour",
        "劳动和社会保障",
        ("{company}拖欠工资", "讨要拖欠的农民工工资", "{company}欠薪{months}个月"),
        (
            "本人与同村{n}名工友在{company}务工，{company}拖欠工资共计{amount}元，已有{months}个月未发放，"
            "多次找负责人均被推脱，请求政府协调督促{company}尽快支付工资。",
            "我们在{village}附近的工地干活，包工头以工程款未结为由拖欠工资{amount}元，"
            "过年前必须回家，恳请帮助追讨。",
        ),
    ),
    (
        "land",
        "土地承包和征收",
        ("土地承包经营权纠纷", "{village}土地被占用", "征地补偿款未到位"),
        (
            "{village}村民{person}反映，其承包的{n}亩土地在第二轮承包到期前被村组收回另行发包，"
            "未征求本人意见，请求依法维护土地承包经营权。",
            "去年{village}修{road}征用土地{n}亩，征地补偿款{amount}元至今只发放了一半，"
            "群众意见很大，请求核实补偿款去向。",
        ),
    ),
    (
        "housing",
        "宅基地和住房",
        ("宅基地界址争议", "危房改造补助申请", "邻居建房影响采光"),
        (
            "本人与邻居{person}因宅基地界址发生争议，对方新建房屋占用我家宅基地约{n}平方米，"
            "多次协商未果，请求镇里调解。",
            "家中房屋为土坯房，墙体开裂已成危房，{months}个月前申请危房改造补助，至今没有答复。",
        ),
    ),
    (
        "welfare",
        "社会救助",
        ("低保资格复核", "特困供养申请", "临时救助"),
        (
            "本人患病{months}个月，丧失劳动能力，家庭人均收入低于标准，申请低保被告知不符合条件，"
            "请求重新核实家庭情况。",
            "{village}独居老人{person}年过八旬无人照料，申请纳入特困人员供养，请求尽快审核。",
        ),
    ),
    (
        "environment",
        "生态环境",
        ("{company}噪声扰民", "污水直排{village}河道", "焚烧垃圾污染空气"),
        (
            "{company}夜间生产噪声很大，影响{village}{n}户村民休息，反映{months}个月仍未整改。",
            "{village}上游的{company}将污水直接排入河道，河水发黑发臭，鱼虾死亡，请求环保部门查处。",
        ),
    ),
    (
        "roads",
        "交通和基础设施",
        ("{road}破损严重", "{village}饮水困难", "路灯损坏无人维修"),
        (
            "{village}通往镇上的{road}坑洼不平，雨天积水，学生上学和村民出行不便，请求尽快修复。",
            "{village}自来水管网老化，{n}户村民已停水{months}个月，只能到{n}里外挑水，请求解决饮水问题。",
        ),
    ),
    (
        "pension",
        "养老和医疗保险",
        ("养老保险待遇核定", "医保报销不予受理", "社保缴费年限认定"),
        (
            "本人缴纳城乡居民养老保险{n}年，今年达到领取年龄，核定的养老金比同村人少，请求核查。",
            "家人住院花费{amount}元，到医保窗口报销被告知材料不全，补交后仍未受理，请求协调。",
        ),
    ),
    (
        "neighbours",
        "邻里和家庭",
        ("相邻通行纠纷", "赡养老人纠纷", "排水沟堵塞引发纠纷"),
        (
            "邻居{person}在通往我家的小路上砌墙，导致无法通行，多次找村委会未解决，请求处理。",
            "{village}村民{person}年过七旬，{n}个子女互相推诿，不尽赡养义务，请求调解。",
        ),
    ),
)
ROADS = ("村道", "机耕路", "通组公路", "乡道", "便民桥")

STATUS_MIX: tuple[tuple[str, str, float], ...] = (
    (Status.CLOSED, Stage.NONE, 0.55),
    (Status.RATED, Stage.REVIEW_REQUEST, 0.10),
    (Status.ANSWERED, Stage.REVIEW_REQUEST, 0.08),
    (Status.HANDLING, Stage.CONCLUSION, 0.12),
    (Status.ASSIGNED, Stage.CONCLUSION, 0.06),
    (Status.ACCEPTED, Stage.CONCLUSION, 0.04),
    (Status.REGISTERED, Stage.ACCEPTANCE, 0.03),
    (Status.DECLINED, Stage.NONE, 0.02),
)

#: How far back a matter in this status was received (days); others: up to 1,000 days.
MAX_AGE_DAYS: dict[str, int] = {
    Status.REGISTERED: 20,
    Status.ACCEPTED: 40,
    Status.ASSIGNED: 60,
    Status.HANDLING: 75,
    Status.ANSWERED: 90,
    Status.RATED: 100,
}
#: Days from receipt to the running stage's due date (about what core.rules gives).
STAGE_DAYS: dict[str, int] = {Stage.ACCEPTANCE: 15, Stage.CONCLUSION: 75, Stage.REVIEW_REQUEST: 105}


@dataclasses.dataclass
class Dataset:
    """What the scenarios and the load run use, read back from the database."""

    scale: Scale
    county: Unit
    townships: list[Unit]
    villages: list[Unit]
    admin: User
    offices: list[User]  # one per township of the first county
    leaders: list[User]  # one per township of the first county
    reporters: list[User]  # one per village of the first county
    duty_office: User  # the first county's office account: manages the rosters
    schedule: Any  # reports.ReportSchedule or None

    @property
    def office(self) -> User:
        return self.offices[0]


def _code(kind: str, n: int) -> str:
    return f"ZB-{kind}{n:05d}"


def dataset_exists() -> bool:
    return Unit.objects.filter(code=_code("C", 1)).exists()


def load_dataset(scale_name: str) -> Dataset:
    from zhenwu.reports.models import ReportSchedule

    scale = SCALES[scale_name]
    county = Unit.objects.get(code=_code("C", 1))
    townships = list(Unit.objects.filter(parent=county).order_by("pk"))
    villages = list(Unit.objects.filter(parent__in=townships).order_by("pk"))
    users = User.objects.filter(username__startswith="zb-").order_by("pk")
    by_role: dict[str, list[User]] = {}
    for user in users.filter(unit__in=[county, *townships, *villages]).select_related("unit"):
        by_role.setdefault(user.username.split("-")[1], []).append(user)
    return Dataset(
        scale=scale,
        county=county,
        townships=townships,
        villages=villages,
        admin=by_role["admin"][0],
        offices=by_role["office"],
        leaders=by_role["leader"],
        reporters=by_role["reporter"],
        duty_office=by_role["countyoffice"][0],
        schedule=ReportSchedule.objects.order_by("pk").first(),
    )


def _place(rng: random.Random) -> str:
    return rng.choice(PLACE_HEADS) + rng.choice(PLACE_TAILS)


def _person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


class _Units:
    """Allocates primary keys and materialised paths for bulk-inserted units."""

    def __init__(self) -> None:
        self.next_pk = (Unit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.rows: list[Unit] = []

    def add(self, parent: Unit | None, kind: str, name: str, code: str) -> Unit:
        pk, self.next_pk = self.next_pk, self.next_pk + 1
        unit = Unit(
            pk=pk,
            parent=parent,
            kind=kind,
            name=name,
            code=code,
            path=(parent.path if parent else "") + f"{pk:0{PATH_SEGMENT}d}",
            depth=parent.depth + 1 if parent else 0,
        )
        self.rows.append(unit)
        return unit


def _chunks(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def generate(scale_name: str, *, seed: int = SEED, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Write the dataset of ``scale_name`` into the (empty) database; return what it took."""
    if dataset_exists():
        raise RuntimeError("this database already holds a benchmark dataset; use a new database per scale")
    scale = SCALES[scale_name]
    rng = random.Random(seed)  # noqa: S311 -- synthetic benchmark data, not secrets
    timings: dict[str, float] = {}
    started = time.perf_counter()

    def step(name: str, t0: float) -> None:
        timings[name] = round(time.perf_counter() - t0, 2)
        log(f"  {name}: {timings[name]} s")

    t0 = time.perf_counter()
    units = _Units()
    counties: list[Unit] = []
    townships_by_county: dict[int, list[Unit]] = {}
    villages_by_township: dict[int, list[Unit]] = {}

    taken: dict[int | None, set[str]] = {}

    def fresh_name(parent: Unit | None, suffix: str) -> str:
        # Unique among siblings; as in life, names repeat across counties (many a 河坝村).
        siblings = taken.setdefault(parent.pk if parent else None, set())
        while True:
            name = rng.choice(PLACE_HEADS) + rng.choice(PLACE_HEADS + "".join(PLACE_TAILS)) + suffix
            if name not in siblings:
                siblings.add(name)
                return name

    for c in range(1, scale.counties + 1):
        county = units.add(None, UnitKind.COUNTY, fresh_name(None, "县"), _code("C", c))
        counties.append(county)
        townships_by_county[county.pk] = []
        for _t in range(scale.townships):
            town_no = len(units.rows)
            town = units.add(county, UnitKind.TOWNSHIP, fresh_name(county, "镇"), _code("T", town_no))
            townships_by_county[county.pk].append(town)
            villages_by_township[town.pk] = [
                units.add(
                    town,
                    UnitKind.VILLAGE if v % 6 else UnitKind.COMMUNITY,
                    fresh_name(town, "村" if v % 6 else "社区"),
                    _code("V", len(units.rows)),
                )
                for v in range(scale.villages)
            ]
    with transaction.atomic():
        Unit.objects.bulk_create(units.rows, batch_size=1000)
    first_county = counties[0]
    first_towns = townships_by_county[first_county.pk]
    first_villages = [v for town in first_towns for v in villages_by_township[town.pk]]

    people: list[User] = []

    def account(kind: str, n: int, role: str, unit: Unit, name: str) -> User:
        user = User(
            username=f"zb-{kind}-{n:05d}",
            role=role,
            unit=unit,
            full_name=name,
            phone=f"139{len(people):08d}",
            must_change_password=False,
        )
        user.set_unusable_password()
        people.append(user)
        return user

    for c, county in enumerate(counties, 1):
        account("admin", c, Role.ADMIN, county, _person(rng)).is_superuser = False
    duty_office = account("countyoffice", 1, Role.OFFICE, first_county, "县值班室")
    for t, town in enumerate(first_towns, 1):
        account("office", t, Role.OFFICE, town, _person(rng))
        account("leader", t, Role.LEADER, town, _person(rng))
    for v, village in enumerate(first_villages, 1):
        account("reporter", v, Role.REPORTER, village, _person(rng))
    pools: dict[int, tuple[list[User], list[User]]] = {}
    if scale.roster_days:
        for unit in [first_county, *first_towns, *first_villages]:
            pools[unit.pk] = (
                [account("duty", len(people), Role.LEADER, unit, _person(rng)) for _ in range(LEADERS)],
                [account("duty", len(people), Role.OFFICE, unit, _person(rng)) for _ in range(OFFICERS)],
            )
    with transaction.atomic():
        User.objects.bulk_create(people, batch_size=1000)
    step("units and accounts", t0)

    t0 = time.perf_counter()
    categories = _categories()
    step("categories", t0)

    t0 = time.perf_counter()
    all_towns = [town for towns in townships_by_county.values() for town in towns]
    _petitions(scale, rng, all_towns, villages_by_township, categories)
    step("petitions", t0)

    if scale.report_days:
        t0 = time.perf_counter()
        _reports(scale, rng, duty_office, first_towns[0], first_villages, people)
        step("reports", t0)
    if scale.roster_days:
        t0 = time.perf_counter()
        _rosters(scale, duty_office, pools)
        step("rosters (set-up through the services)", t0)

    t0 = time.perf_counter()
    _analyze()
    step("analyze", t0)
    total = round(time.perf_counter() - started, 1)
    return {
        "scale": scale.name,
        "units": len(units.rows),
        "accounts": len(people),
        "petitions": scale.petitions,
        "seconds": total,
        "steps": timings,
    }


def _categories() -> dict[str, Category]:
    found: dict[str, Category] = {}
    for order, (code, name, _summaries, _texts) in enumerate(TOPICS):
        found[code], _created = Category.objects.get_or_create(
            code=f"zb-{code}", defaults={"name": name, "sort_order": order}
        )
    return found


class _Inserter:
    """Bulk INSERT of plain tuples through ``executemany``, with the ids allocated here.

    ``bulk_create`` spends most of its time turning model instances into parameters (a matter has
    some 50 columns); at 10^6 rows that alone takes many minutes. This writes the named columns
    from tuples and every other column with its field's default, prepared once. The ids are
    allocated here (after the largest one) so related rows can refer to them; on PostgreSQL the
    sequence is moved past them at the end (``reset_sequences``).
    """

    def __init__(self, model: type[Model], columns: Sequence[str]) -> None:
        self.model = model
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        by_name = {f.name: f for f in fields}
        named = [by_name[name] for name in columns]
        self.rest = [f for f in fields if f not in named]
        self.defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in self.rest)
        self.converters = [self._converter(f) for f in named]
        names = ["id", *(str(f.column) for f in named), *(str(f.column) for f in self.rest)]
        quoted = ", ".join(connection.ops.quote_name(n) for n in names)
        marks = ", ".join(["%s"] * len(names))
        self.sql = (
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({quoted}) VALUES ({marks})"  # noqa: S608
        )
        self.next_id = (model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    @staticmethod
    def _converter(field: Any) -> Callable[[Any], Any] | None:
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            return connection.ops.adapt_datetimefield_value
        if kind == "DateField":
            return connection.ops.adapt_datefield_value
        if kind == "JSONField":
            return lambda value: field.get_db_prep_save(value, connection)
        return None

    def insert(self, rows: Iterable[Sequence[Any]]) -> list[int]:
        params, ids = [], []
        for row in rows:
            ids.append(self.next_id)
            values = [
                c(v) if c is not None and v is not None else v
                for c, v in zip(self.converters, row, strict=True)
            ]
            params.append((self.next_id, *values, *self.defaults))
            self.next_id += 1
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, params)
        return ids


def reset_sequences(*models: type[Model]) -> None:
    """Move PostgreSQL's id sequences past the ids ``_Inserter`` allocated (no-op on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


#: Distinct texts composed for a dataset; matters draw from them (at 10^6 matters, composing and
#: tokenising every text anew would take longer than writing the rows).
TEXT_POOL = 8_000


def _texts(rng: random.Random, places: list[str], size: int) -> list[tuple[str, str, str, str]]:
    """(category code, summary, text, search tokens) composed from the topics."""
    pool = []
    for _ in range(size):
        code, _name, summaries, texts = rng.choice(TOPICS)
        fill = {
            "village": rng.choice(places),
            "person": _person(rng),
            "company": _place(rng) + rng.choice(COMPANIES),
            "n": rng.randint(2, 30),
            "amount": rng.randint(3, 400) * 100,
            "months": rng.randint(1, 18),
            "road": rng.choice(ROADS),
        }
        summary = rng.choice(summaries).format(**fill)[:200]
        content = rng.choice(texts).format(**fill)
        pool.append((code, summary, content, search_text_for(summary, content)))
    return pool


def _petitions(
    scale: Scale,
    rng: random.Random,
    townships: list[Unit],
    villages: dict[int, list[Unit]],
    categories: dict[str, Category],
) -> None:
    now = timezone.now()
    weights = [w for _, _, w in STATUS_MIX]
    # About one resident in four comes back with another matter.
    # Residents through the model (their phones are encrypted and hashed by its fields).
    pool_size = max(1, int(scale.petitions * 0.75))
    petitioner_ids: list[int] = []
    for start in range(0, pool_size, BATCH):
        size = min(BATCH, pool_size - start)
        batch = [
            Petitioner(
                name=_person(rng),
                phone=f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}",
                address=f"{_place(rng)}村{rng.randint(1, 12)}组{rng.randint(1, 99)}号",
            )
            for _ in range(size)
        ]
        with transaction.atomic():
            Petitioner.objects.bulk_create(batch)
        petitioner_ids.extend(p.pk for p in batch)  # both databases return the new ids
    texts = _texts(
        rng, [v.name for vs in villages.values() for v in vs][:5000], min(TEXT_POOL, scale.petitions)
    )
    matters = _Inserter(
        Petition,
        [
            "number", "query_code_hash", "channel", "unit", "handling_unit", "category", "summary",
            "content", "place", "is_collective", "received_at", "registered_at", "status", "stage",
            "due_on", "accepted_at", "closed_at", "search_text", "updated_at",
        ],
    )  # fmt: skip
    parties = _Inserter(PetitionParty, ["petition", "petitioner", "is_representative"])
    events = _Inserter(
        PetitionEvent, ["petition", "kind", "from_status", "to_status", "actor_name", "occurred_at", "public"]
    )
    channels = IntakeChannel.values
    category_ids = {code: c.pk for code, c in categories.items()}
    number = 0
    for start in range(0, scale.petitions, BATCH):
        size = min(BATCH, scale.petitions - start)
        rows = []
        for i in range(size):
            town = townships[(start + i) % len(townships)]
            code, summary, content, tokens = texts[rng.randrange(len(texts))]
            village = rng.choice(villages[town.pk])
            status, stage, _w = rng.choices(STATUS_MIX, weights)[0]
            # Open matters are recent (a few run late); the closed ones reach back about three years.
            age = rng.randint(0, MAX_AGE_DAYS.get(status, 1000))
            received = now - datetime.timedelta(days=age, minutes=rng.randint(0, 1440))
            due = (
                (received + datetime.timedelta(days=STAGE_DAYS[stage])).date()
                if stage in STAGE_DAYS
                else None
            )
            assigned = status not in (Status.REGISTERED, Status.ACCEPTED, Status.DECLINED)
            number += 1
            rows.append(
                (
                    f"{received:%Y}{town.pk % 10_000:04d}{number:07d}",
                    "!",  # no query code: synthetic matters cannot be tracked
                    rng.choice(channels),
                    town.pk,
                    village.pk if assigned else None,
                    category_ids[code],
                    summary,
                    content,
                    village.name,
                    rng.random() < 0.05,
                    received,
                    received,
                    status,
                    stage,
                    due,
                    received + datetime.timedelta(days=3) if status != Status.REGISTERED else None,
                    received + datetime.timedelta(days=50) if status == Status.CLOSED else None,
                    tokens,
                    received,
                )
            )
        with transaction.atomic():
            ids = matters.insert(rows)
            parties.insert((pk, petitioner_ids[rng.randrange(len(petitioner_ids))], True) for pk in ids)
            timeline: list[tuple[Any, ...]] = []
            for pk, row in zip(ids, rows, strict=True):
                received, status = row[10], row[12]
                timeline.append((pk, EventKind.REGISTERED, "", Status.REGISTERED, "登记员", received, True))
                if scale.events > 1 and status != Status.REGISTERED:
                    moved = received + datetime.timedelta(days=3)
                    timeline.append(
                        (pk, EventKind.TRANSITION, Status.REGISTERED, status, "经办人", moved, True)
                    )
            events.insert(timeline)
    reset_sequences(Petition, PetitionParty, PetitionEvent)


def _reports(
    scale: Scale, rng: random.Random, office: User, owner: Unit, villages: list[Unit], people: list[User]
) -> None:
    """A twice-daily village report over ``report_days`` (slots from the service), ~90 % reported."""
    county = owner.parent
    assert county is not None  # noqa: S101 -- a township's parent is its county
    from zhenwu.reports.choices import SubmissionKind
    from zhenwu.reports.models import ReportFormVersion, ReportSlot, ReportSubmission
    from zhenwu.reports.services import report_type_create, schedule_create

    now = timezone.now()
    today = timezone.localdate(now)
    ends_on = today + datetime.timedelta(days=REPORT_DAYS_AHEAD - 1)
    starts_on = ends_on - datetime.timedelta(days=scale.report_days - 1)
    with acting_through(Interface.CLI):
        report_type = report_type_create(
            actor=office,
            owner_unit=county,
            code="zb-daily",
            name="每日安全稳定情况",
            fields=REPORT_FIELDS,
        )
        schedule = schedule_create(
            actor=office,
            owner_unit=county,
            report_type=report_type,
            name="每日安全稳定情况报送",
            starts_on=starts_on,
            ends_on=ends_on,
            times=REPORT_TIMES,
            units=villages,
            allow_past=True,
        )
    version = ReportFormVersion.objects.get(report_type=report_type, number=1)
    reporter_of = {p.unit_id: p for p in people if p.role == Role.REPORTER}
    past = list(
        ReportSlot.objects.filter(schedule=schedule, due_at__lt=now)
        .order_by("pk")
        .values_list("pk", "unit_id", "due_at")
    )
    plan = []
    for pk, unit_id, due_at in past:
        if rng.random() < 0.9:
            minutes = rng.choice((-150, -90, -45, -15, -3, -3, 12, 40))
            plan.append(
                (pk, unit_id, due_at + datetime.timedelta(minutes=minutes), minutes, rng.random() < 0.1)
            )
    for chunk in _chunks(plan):
        with transaction.atomic():
            ReportSubmission.objects.bulk_create(
                ReportSubmission(
                    slot_id=pk,
                    form_version=version,
                    kind=SubmissionKind.ORIGINAL,
                    is_zero=zero,
                    values={}
                    if zero
                    else {
                        "incidents": 0,
                        "hazards": rng.randint(0, 3),
                        "disputes": rng.randint(0, 2),
                        "duty_on_shift": True,
                    },
                    revision=1,
                    submitted_by=reporter_of[unit_id],
                    submitted_at=moment,
                    updated_at=moment,
                )
                for pk, unit_id, moment, _minutes, zero in chunk
            )
    groups: dict[tuple[int, bool], list[int]] = {}
    for pk, _unit_id, _moment, minutes, zero in plan:
        groups.setdefault((minutes, zero), []).append(pk)
    with transaction.atomic():
        for (minutes, zero), pks in groups.items():
            for chunk in _chunks(pks, 900):
                ReportSlot.objects.filter(pk__in=chunk).update(
                    submitted_at=F("due_at") + datetime.timedelta(minutes=minutes), is_zero=zero, revision=1
                )


def _rosters(scale: Scale, office: User, pools: dict[int, tuple[list[User], list[User]]]) -> None:
    """A draft roster of ``roster_days`` from tomorrow per unit: 白班 and 夜班, 1 leader + 2 officers."""
    from zhenwu.duty.choices import Position, ShiftDays
    from zhenwu.duty.services import roster_create, roster_members_set, shift_template_add

    starts_on = timezone.localdate() + datetime.timedelta(days=1)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=list(pools))}
    with acting_through(Interface.CLI):
        for unit_pk, (leaders, officers) in pools.items():
            unit = units[unit_pk]
            roster = roster_create(
                actor=office,
                unit=unit,
                name=f"{unit.name}值班表",
                starts_on=starts_on,
                ends_on=starts_on + datetime.timedelta(days=scale.roster_days - 1),
            )
            for name, start, end in (("白班", "08:30", "17:30"), ("夜班", "17:30", "08:30")):
                shift_template_add(
                    actor=office,
                    roster=roster,
                    name=name,
                    start_time=datetime.time.fromisoformat(start),
                    end_time=datetime.time.fromisoformat(end),
                    days=ShiftDays.EVERY_DAY,
                    leaders_required=1,
                    officers_required=2,
                )
            roster_members_set(actor=office, roster=roster, position=Position.LEADER, people=leaders)
            roster_members_set(actor=office, roster=roster, position=Position.OFFICER, people=officers)


def roster_planning_moment() -> datetime.datetime:
    """When the rosters are generated in the scenario: today 10:00, before every roster starts."""
    return beijing_moment(timezone.localdate(), datetime.time(10, 0))


def _analyze() -> None:
    """Planner statistics after the bulk load, as an operator would run after an import."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _info_path(var: Path, vendor: str, scale: str) -> Path:
    return var / f"bench-{vendor}-{scale}.json"


def write_info(var: Path, vendor: str, scale: str, info: dict[str, Any]) -> None:
    """Keep the generation's figures beside the database, for the runs that reuse the dataset."""
    _info_path(var, vendor, scale).write_text(json.dumps(info, ensure_ascii=False))


def read_info(var: Path, vendor: str, scale: str) -> dict[str, Any]:
    path = _info_path(var, vendor, scale)
    found: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    return found


def var_dir() -> Path:
    return Path(settings.VAR_DIR)


def database_url() -> str | None:
    """The ``DATABASE_URL`` this process runs on (the load run's server must use the same)."""
    return os.environ.get("DATABASE_URL") or None
