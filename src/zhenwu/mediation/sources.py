"""The mediation ledger as a data source of report types (e.g. a weekly dispute report, 周矛盾纠纷情况)."""

from django.utils.translation import gettext_lazy as _

from zhenwu.mediation.selectors import dispute_figures
from zhenwu.reports.choices import FieldKind
from zhenwu.reports.fields import FieldSpec
from zhenwu.reports.sources import DataSource

DISPUTES = DataSource(
    key="mediation.disputes",
    label=_("Mediation ledger: disputes"),
    fields=(
        FieldSpec("disputes_registered", _("Disputes registered"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("disputes_accepted", _("Disputes accepted for mediation"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("disputes_agreed", _("Disputes settled by agreement"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("disputes_not_agreed", _("Mediations ended without agreement"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("disputes_open", _("Disputes still open"), FieldKind.COUNT),  # type: ignore[arg-type]
        FieldSpec("follow_ups_done", _("Follow-up visits made"), FieldKind.COUNT),  # type: ignore[arg-type]
    ),
    compute=dispute_figures,
)
