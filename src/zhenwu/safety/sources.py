"""Safety figures as a data source of report types: the daily report's incident and hazard counts."""

from django.utils.translation import gettext_lazy as _

from zhenwu.reports.choices import FieldKind
from zhenwu.reports.fields import FieldSpec
from zhenwu.reports.sources import DataSource
from zhenwu.safety.selectors import safety_figures

INCIDENTS = DataSource(
    key="safety.daily",
    label=_("Safety: incidents and hazards"),
    fields=(
        FieldSpec("incidents", _("Incidents"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("fires", _("Fires"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("road_accidents", _("Road accidents"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("production_accidents", _("Production accidents"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("deaths", _("Deaths"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("injuries", _("Injured"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("hazards_found", _("Hazards found"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("hazards_rectified", _("Hazards rectified and verified"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("hazards_overdue", _("Hazards overdue"), FieldKind.COUNT),  # type: ignore[arg-type]
    ),
    compute=safety_figures,
)
