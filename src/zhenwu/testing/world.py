"""A small realistic world built through the services: a county, two townships, one user per role."""

from dataclasses import dataclass, field

from zhenwu.core.choices import Interface, Role, UnitKind
from zhenwu.core.context import acting_through
from zhenwu.core.models import Unit, User
from zhenwu.core.services.people import person_create
from zhenwu.core.services.units import unit_create

PASSWORD = "Test-password-2026"

#: role name used in permission tables -> (Role, unit attribute of World)
ROLE_HOMES = {
    "admin": (Role.ADMIN, "county"),
    "office": (Role.OFFICE, "township"),
    "leader": (Role.LEADER, "township"),
    "reporter": (Role.REPORTER, "village"),
    "mediator": (Role.MEDIATOR, "township"),
    "oversight": (Role.OVERSIGHT, "township"),
}


@dataclass
class World:
    county: Unit
    township: Unit  # 河坝镇 HB: every role's home (the reporter's is its village)
    village: Unit  # HB-01
    village2: Unit  # HB-02
    other_township: Unit  # 石桥镇 SQ: outside everyone's scope but the admin's
    other_village: Unit  # SQ-01
    users: dict[str, User] = field(default_factory=dict)

    def user(self, role: str) -> User:
        return self.users[role]


def build_world() -> World:
    with acting_through(Interface.CLI):
        county = unit_create(actor=None, parent=None, kind=UnitKind.COUNTY, name="临溪县", code="LX")
        admin = person_create(
            actor=None,
            username="admin",
            full_name="系统管理员",
            unit=county,
            role=Role.ADMIN,
            password=PASSWORD,
            must_change_password=False,
        )
        township = unit_create(actor=admin, parent=county, kind=UnitKind.TOWNSHIP, name="河坝镇", code="HB")
        village = unit_create(
            actor=admin, parent=township, kind=UnitKind.VILLAGE, name="河东村", code="HB-01"
        )
        village2 = unit_create(
            actor=admin, parent=township, kind=UnitKind.VILLAGE, name="河西村", code="HB-02"
        )
        other = unit_create(actor=admin, parent=county, kind=UnitKind.TOWNSHIP, name="石桥镇", code="SQ")
        other_village = unit_create(
            actor=admin, parent=other, kind=UnitKind.VILLAGE, name="桥头村", code="SQ-01"
        )
        world = World(county, township, village, village2, other, other_village, {"admin": admin})
        names = {
            "office": "王小红",
            "leader": "李建国",
            "reporter": "张明",
            "mediator": "陈平",
            "oversight": "赵清",
        }
        for key, (role, home) in ROLE_HOMES.items():
            if key == "admin":
                continue
            world.users[key] = person_create(
                actor=admin,
                username=key,
                full_name=names[key],
                unit=getattr(world, home),
                role=role,
                phone="13900001234",
                password=PASSWORD,
                must_change_password=False,  # tests sign in with PASSWORD as if already changed
            )
    return world
