from django.db import models
from django.utils.translation import gettext_lazy as _

from zhenwu.core.choices import UnitKind
from zhenwu.core.validators import validate_phone, validate_unit_code

#: Width of one path segment: a unit's primary key, zero-padded. 10 digits allow 10^10 units and
#: 25 levels in a 255-character path; digits only so that every collation orders paths bytewise.
PATH_SEGMENT = 10


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree_of(self, unit: "Unit", *, include_self: bool = True) -> "UnitQuerySet":
        return self.filter(unit_subtree_q(unit.path, include_self=include_self))

    def active(self) -> "UnitQuerySet":
        return self.filter(is_active=True)


def path_upper_bound(path: str) -> str:
    """The smallest path after every descendant of ``path`` (paths are digit strings)."""
    # The segment width is fixed, so descendants are exactly the strings in [path, path+1).
    return str(int(path) + 1).zfill(len(path))


def unit_subtree_q(path: str, *, prefix: str = "", include_self: bool = True) -> models.Q:
    """A range filter on the materialized path: uses the path index on SQLite and PostgreSQL."""
    q = models.Q(**{f"{prefix}path__gte": path, f"{prefix}path__lt": path_upper_bound(path)})
    if not include_self:
        q &= ~models.Q(**{f"{prefix}path": path})
    return q


class Unit(models.Model):
    """A unit (单位): county, township, village, community, office or station in one tree."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=16,
        choices=UnitKind.choices,
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=100,
    )
    code = models.CharField(
        verbose_name=_("code"),
        max_length=32,
        unique=True,
        validators=[validate_unit_code],
    )
    phone = models.CharField(
        verbose_name=_("contact phone"),
        max_length=32,
        blank=True,
        validators=[validate_phone],
    )
    is_active = models.BooleanField(
        verbose_name=_("active"),
        default=True,
    )
    path = models.CharField(
        verbose_name=_("tree path"),
        max_length=255,
        db_index=True,
        editable=False,
        default="",
    )
    depth = models.PositiveSmallIntegerField(
        verbose_name=_("depth"),
        default=0,
        editable=False,
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        verbose_name=_("updated at"),
        auto_now=True,
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="core_unit_unique_name_per_parent",
                violation_error_message=_("A unit with this name already exists under this parent."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def ancestor_paths(self) -> list[str]:
        """Paths of this unit's ancestors, root first (derived from the path, no query)."""
        return [self.path[:end] for end in range(PATH_SEGMENT, len(self.path), PATH_SEGMENT)]

    def lineage_ids(self) -> list[int]:
        """The primary keys of this unit's ancestors and its own, root first: the path's segments."""
        return [
            int(self.path[start : start + PATH_SEGMENT]) for start in range(0, len(self.path), PATH_SEGMENT)
        ]

    def is_descendant_of(self, other: "Unit", *, include_self: bool = True) -> bool:
        if self.path == other.path:
            return include_self
        return self.path.startswith(other.path)
