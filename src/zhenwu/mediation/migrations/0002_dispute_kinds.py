"""The dispute kinds a township starts with (the office can rename, add and deactivate them)."""

from django.db import migrations

KINDS = [
    ("family", "婚姻家庭"),
    ("neighbours", "邻里纠纷"),
    ("land_forest", "土地山林权属"),
    ("wages", "劳动工资"),
    ("acquisition", "征地拆迁"),
    ("contract", "合同纠纷"),
    ("damages", "损害赔偿"),
    ("other", "其他"),
]


def add_kinds(apps, schema_editor):
    DisputeKind = apps.get_model("mediation", "DisputeKind")
    for order, (code, name) in enumerate(KINDS):
        DisputeKind.objects.get_or_create(code=code, defaults={"name": name, "sort_order": (order + 1) * 10})


class Migration(migrations.Migration):
    dependencies = [("mediation", "0001_initial")]

    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
