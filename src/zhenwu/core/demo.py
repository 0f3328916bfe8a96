"""The demo township: a fixed unit tree and ~60 generated staff, loaded by ``manage.py load_demo``.

Everything is built locally and deterministically (``random.Random(2026)``): the same names, phones
and usernames come out on every machine, which is what makes loading idempotent — units are found
again by code and accounts by username. The demo holds units and staff only: no residents, no
petitions, and nothing about people other than the fictional staff (see DESIGN.md, "What it
deliberately does not do").

Roles that act for a whole township (leaders, office staff, township mediators, the township
discipline secretary) sit at the township unit, because a user's scope is their unit's subtree; their
position names the office they work in. The offices and stations below the township are units that
report and handle matters, so each has its own reporter.

All demo accounts share ``DEMO_PASSWORD``. It is published in the README and printed by ``make run``:
it is for trying the system out only and must never protect real data.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from zhenwu.core.choices import Role, UnitKind
from zhenwu.core.models import Unit, User
from zhenwu.core.services.people import person_create
from zhenwu.core.services.units import unit_create

#: The one password of every demo account (published on purpose; demo data only).
DEMO_PASSWORD = "Zhenwu-demo-2026"  # noqa: S105 -- a documented demo password, not a secret
#: Seed of the name and phone generator: change it and every demo name changes.
DEMO_SEED = 2026
#: The county's telephone area code (one area code per county, as in real life).
AREA_CODE = "0739"
#: Mobile prefixes of the ``1xx 0000 xxxx`` shape: obviously made up, but valid 11-digit numbers.
MOBILE_PREFIXES = ("1380000", "1390000", "1500000", "1860000")
#: The reserved example domain (RFC 2606): demo e-mail never reaches anyone.
EMAIL_DOMAIN = "zhenwu.example"

# --- Chinese personal names -------------------------------------------------------------------

#: Common single-character surnames, roughly in order of frequency (listed more often = drawn more).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
#: Two-character surnames: rare, but a county's staff list has one or two.
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容")
#: Given names by the sex they are usually given to (the demo stores no sex; it only keeps names
#: plausible): single characters, common two-character names, and characters that start a name.
_GIVEN_SINGLE = {
    "m": "伟强磊军勇杰涛明超刚斌波浩凯健鹏飞亮峰辉林平宁华",
    "f": "芳娜敏静丽艳娟霞萍红婷琳燕丹琴玲慧颖倩莉梅雪洁",
}
_GIVEN_DOUBLE = {
    "m": (
        "建国", "建华", "志强", "志刚", "国强", "海涛", "晓东", "文杰", "俊杰", "浩然", "宇航", "子豪",
        "明辉", "永刚", "振华", "立新", "春生", "德明", "家豪", "鹏飞", "文斌", "红军", "卫东", "天宇",
    ),
    "f": (
        "秀英", "桂英", "丽娟", "海燕", "晓燕", "秀兰", "玉兰", "婷婷", "欣怡", "诗涵", "雨婷", "佳怡",
        "春梅", "红霞", "丽华", "慧敏", "淑芬", "美玲", "小红", "雪梅", "思琪", "梦瑶", "静怡", "晓丽",
    ),
}  # fmt: skip
_GIVEN_FIRST = {"m": "建志国海晓文子家明永振俊宇浩德立春", "f": "秀桂丽海晓玉春雨思欣佳美慧婉淑静"}


class NameGenerator:
    """Draws realistic 2–3 character Chinese names, never the same name twice."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def _surname(self) -> str:
        if self._rng.random() < 0.02:
            return self._rng.choice(_COMPOUND_SURNAMES)
        # Weight by position: the first surnames of the list are far more common than the last.
        index = min(int(self._rng.expovariate(1 / 18)), len(_SURNAMES) - 1)
        return _SURNAMES[index]

    def _given(self, sex: str, length: int) -> str:
        if length == 1:
            return self._rng.choice(_GIVEN_SINGLE[sex])
        if self._rng.random() < 0.5:
            return self._rng.choice(_GIVEN_DOUBLE[sex])
        first = self._rng.choice(_GIVEN_FIRST[sex])
        second = self._rng.choice(_GIVEN_SINGLE[sex])
        return first + second if second != first else first + self._rng.choice(_GIVEN_SINGLE[sex])

    def name(self) -> str:
        while True:
            surname = self._surname()
            sex = self._rng.choice("mf")
            # A compound surname takes a one-character given name, so every name is 2-3 characters.
            length = 1 if len(surname) == 2 or self._rng.random() < 0.25 else 2
            candidate = surname + self._given(sex, length)
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate


class MobileGenerator:
    """Distinct fictional mobile numbers of the form 1xx 0000 xxxx."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def number(self) -> str:
        while True:
            candidate = f"{self._rng.choice(MOBILE_PREFIXES)}{self._rng.randrange(10_000):04d}"
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate


# --- The unit tree ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent_code: str | None
    phone: str


@dataclass(frozen=True)
class StaffSpec:
    username: str
    full_name: str
    unit_code: str
    role: str
    position: str
    phone: str
    email: str = ""


COUNTY = ("LX", "临溪县", "521")

#: township code, name, telephone exchange, its villages, its communities, its offices and stations.
TOWNSHIPS: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]], ...] = (
    (
        "HB",
        "河坝镇",
        "638",
        ("河东村", "河西村", "柳湾村", "青石村", "枫林村"),
        ("河坝社区", "滨河社区"),
        (
            ("党政综合办公室", UnitKind.OFFICE),
            ("综治信访维稳中心", UnitKind.OFFICE),
            ("应急管理办公室", UnitKind.OFFICE),
            ("司法所", UnitKind.STATION),
            ("财政所", UnitKind.STATION),
            ("农业综合服务中心", UnitKind.STATION),
        ),
    ),
    (
        "SQ",
        "石桥镇",
        "672",
        ("桥头村", "石门村", "杨家坪村", "龙潭村", "竹山村"),
        ("石桥社区", "新街社区"),
        (
            ("党政综合办公室", UnitKind.OFFICE),
            ("综治信访维稳中心", UnitKind.OFFICE),
            ("安全生产监督管理站", UnitKind.STATION),
            ("司法所", UnitKind.STATION),
            ("财政所", UnitKind.STATION),
        ),
    ),
)


def _landline(exchange: str, number: int) -> str:
    return f"{AREA_CODE}-{exchange}{number:04d}"


def demo_units() -> list[UnitSpec]:
    """The demo tree, parents before children: 临溪县, its two townships and their 25 units."""
    county_code, county_name, county_exchange = COUNTY
    units = [UnitSpec(county_code, county_name, UnitKind.COUNTY, None, _landline(county_exchange, 1001))]
    for code, name, exchange, villages, communities, offices in TOWNSHIPS:
        units.append(UnitSpec(code, name, UnitKind.TOWNSHIP, county_code, _landline(exchange, 1001)))
        below = (
            [(v, UnitKind.VILLAGE) for v in villages]
            + [(c, UnitKind.COMMUNITY) for c in communities]
            + list(offices)
        )
        for n, (unit_name, kind) in enumerate(below, start=1):
            units.append(UnitSpec(f"{code}-{n:02d}", unit_name, kind, code, _landline(exchange, 1001 + n)))
    return units


# --- The staff --------------------------------------------------------------------------------


#: The documented logins ``make run`` prints: one per role, plus a second township's office staff.
DEMO_LOGINS = ("admin", "oversight", "hb_leader", "hb_office", "hb_mediator", "hb_reporter", "sq_office")

#: Staff at each township unit: (fixed login or None, role, position).
_TOWNSHIP_STAFF: tuple[tuple[str | None, str, str], ...] = (
    (None, Role.LEADER, "党委书记"),
    ("leader", Role.LEADER, "党委副书记、镇长"),
    (None, Role.LEADER, "副镇长（分管政法综治）"),
    (None, Role.LEADER, "副镇长（分管安全生产）"),
    (None, Role.OVERSIGHT, "镇纪委书记"),
    ("office", Role.OFFICE, "党政办主任"),
    (None, Role.OFFICE, "党政办工作人员"),
    (None, Role.OFFICE, "综治信访维稳中心主任"),
    ("mediator", Role.MEDIATOR, "司法所所长、镇人民调解委员会主任"),
    (None, Role.MEDIATOR, "专职人民调解员"),
)


class _StaffBuilder:
    def __init__(self) -> None:
        rng = random.Random(DEMO_SEED)
        self._names = NameGenerator(rng)
        self._mobiles = MobileGenerator(rng)
        self.staff: list[StaffSpec] = []
        self._serial: dict[str, int] = {}
        self._office_mail: dict[str, int] = {}

    def username(self, prefix: str, fixed: str | None) -> str:
        if fixed is not None and f"{prefix}_{fixed}" in DEMO_LOGINS:
            return f"{prefix}_{fixed}"
        self._serial[prefix] = self._serial.get(prefix, 0) + 1
        return f"{prefix}_s{self._serial[prefix]:02d}"

    def office_email(self, prefix: str) -> str:
        self._office_mail[prefix] = self._office_mail.get(prefix, 0) + 1
        return f"{prefix}.office{self._office_mail[prefix]}@{EMAIL_DOMAIN}"

    def add(self, *, username: str, unit_code: str, role: str, position: str, email: str = "") -> None:
        self.staff.append(
            StaffSpec(
                username=username,
                full_name=self._names.name(),
                unit_code=unit_code,
                role=role,
                position=position,
                phone=self._mobiles.number(),
                email=email,
            )
        )


def demo_staff() -> list[StaffSpec]:
    """The demo staff: the same list on every call (seeded), every role, every unit staffed."""
    b = _StaffBuilder()
    county = COUNTY[0]
    b.add(
        username="admin",
        unit_code=county,
        role=Role.ADMIN,
        position="系统管理员",
        email=f"admin@{EMAIL_DOMAIN}",
    )
    b.add(username="oversight", unit_code=county, role=Role.OVERSIGHT, position="县纪委监委纪检监察干部")
    b.add(username="lx_s01", unit_code=county, role=Role.OVERSIGHT, position="县纪委监委第一监督检查室主任")
    units = demo_units()
    for code, _name, _exchange, _villages, _communities, _offices in TOWNSHIPS:
        prefix = code.lower()
        for fixed, role, position in _TOWNSHIP_STAFF:
            email = b.office_email(prefix) if role == Role.OFFICE else ""
            b.add(
                username=b.username(prefix, fixed), unit_code=code, role=role, position=position, email=email
            )
        first_village = True
        for unit in (u for u in units if u.parent_code == code):
            if unit.kind == UnitKind.VILLAGE:
                b.add(
                    username=b.username(prefix, None),
                    unit_code=unit.code,
                    role=Role.REPORTER,
                    position="村党支部书记、村委会主任",
                )
                b.add(
                    username=b.username(prefix, "reporter" if first_village else None),
                    unit_code=unit.code,
                    role=Role.REPORTER,
                    position="网格员",
                )
                if first_village:
                    # Village disputes are first mediated by the village's own committee.
                    b.add(
                        username=b.username(prefix, None),
                        unit_code=unit.code,
                        role=Role.MEDIATOR,
                        position="村人民调解委员会主任",
                    )
                first_village = False
            elif unit.kind == UnitKind.COMMUNITY:
                b.add(
                    username=b.username(prefix, None),
                    unit_code=unit.code,
                    role=Role.REPORTER,
                    position="社区党委书记、居委会主任",
                )
                b.add(
                    username=b.username(prefix, None),
                    unit_code=unit.code,
                    role=Role.REPORTER,
                    position="社区网格员",
                )
            else:
                b.add(
                    username=b.username(prefix, None),
                    unit_code=unit.code,
                    role=Role.REPORTER,
                    position="信息报送员",
                )
    return b.staff


# --- Loading ----------------------------------------------------------------------------------


@dataclass
class DemoLoadResult:
    units_created: int = 0
    units_existing: int = 0
    units_skipped: int = 0
    staff_created: int = 0
    staff_existing: int = 0
    staff_skipped: int = 0


@transaction.atomic
def demo_load(*, if_empty: bool = False) -> DemoLoadResult | None:
    """Create whatever part of the demo is missing; leave existing units and accounts untouched.

    Units are matched by code and accounts by username, so running it again creates nothing. With
    ``if_empty`` it does nothing (and returns None) when the instance has any unit at all, so a real
    installation is never mixed with demo data. Runs as the installer (``actor=None``); the caller
    sets the interface (``acting_through``) for the audit events.
    """
    if if_empty and Unit.objects.exists():
        return None
    result = DemoLoadResult()
    specs = demo_units()
    existing = {u.code: u for u in Unit.objects.filter(code__in=[s.code for s in specs])}
    units: dict[str, Unit] = {}
    for spec in specs:
        if spec.code in existing:
            units[spec.code] = existing[spec.code]
            result.units_existing += 1
            continue
        parent = units.get(spec.parent_code) if spec.parent_code else None
        if (spec.parent_code and parent is None) or (parent is not None and not parent.is_active):
            # The parent was skipped or has been deactivated since: leave this branch out.
            result.units_skipped += 1
            continue
        units[spec.code] = unit_create(
            actor=None, parent=parent, kind=spec.kind, name=spec.name, code=spec.code, phone=spec.phone
        )
        result.units_created += 1

    staff = demo_staff()
    taken = set(
        User.objects.filter(username__in=[s.username for s in staff]).values_list("username", flat=True)
    )
    # Hash the shared demo password once: hashing it per account made the first run ~18 s slower.
    password_hash = make_password(DEMO_PASSWORD)
    for person in staff:
        if person.username in taken:
            result.staff_existing += 1
            continue
        unit = units.get(person.unit_code)
        if unit is None or not unit.is_active:
            result.staff_skipped += 1
            continue
        person_create(
            actor=None,
            username=person.username,
            full_name=person.full_name,
            unit=unit,
            role=person.role,
            position=person.position,
            phone=person.phone,
            email=person.email,
            password_hash=password_hash,
            must_change_password=True,  # the demo password is published: the first login replaces it
        )
        result.staff_created += 1
    return result


#: Demo data of the domain apps, each a callable returning a one-line summary. A domain app adds
#: its loader from its own ``demo`` module (found by ``load_demo`` through autodiscovery); each
#: loader must be idempotent and run its writes through services in one transaction.
DEMO_EXTENSIONS: list[Callable[[], str]] = []


def register_demo(loader: Callable[[], str]) -> Callable[[], str]:
    if loader not in DEMO_EXTENSIONS:
        DEMO_EXTENSIONS.append(loader)
    return loader
