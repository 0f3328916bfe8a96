"""The benchmark itself, on the ``tiny`` scale: it generates, measures and prints what it claims.

``make bench`` is not part of ``make test`` (it builds 10^5-10^6 matters); these tests keep its
code working: the generator's rows, every scenario's line, and the hand-written SQL baselines
finding exactly the matters zhenwu finds (also with the shields of Art. 30 in play).
"""

import datetime
import gc
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from zhenwu.bench import data, scenarios
from zhenwu.core.models import Unit, User
from zhenwu.petitions.choices import Status
from zhenwu.petitions.models import STAFF_STAGES, Petition, Petitioner, PetitionEvent, PetitionParty, Recusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny() -> data.Dataset:
    data.generate("tiny", log=lambda _line: None)
    return data.load_dataset("tiny")


def run_bench(*args: str) -> list[dict[str, Any]]:
    out = StringIO()
    call_command("bench", "--scale", "tiny", "--repeat", "3", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_generator_writes_a_consistent_dataset(tiny: data.Dataset) -> None:
    scale = data.SCALES["tiny"]
    assert Unit.objects.count() == scale.units == 9
    assert Petition.objects.count() == scale.petitions
    # Every matter has its petitioner (decryptable) and its timeline; numbers are unique.
    assert PetitionParty.objects.count() == scale.petitions
    assert Petition.objects.values("number").distinct().count() == scale.petitions
    assert PetitionEvent.objects.filter(kind="registered").count() == scale.petitions
    person = Petitioner.objects.order_by("pk").first()
    assert person is not None and person.phone.startswith("13") and len(person.phone) == 11
    # Matters are registered by townships and handled by their villages.
    town_ids = {u.pk for u in tiny.townships}
    assert set(Petition.objects.values_list("unit_id", flat=True)) <= town_ids
    assert (
        not Petition.objects.exclude(handling_unit=None)
        .exclude(handling_unit__parent_id__in=town_ids)
        .exists()
    )
    # The accounts the scenarios use, without usable passwords.
    assert len(tiny.offices) == len(tiny.leaders) == 2 and len(tiny.reporters) == 6
    assert not tiny.office.has_usable_password()
    assert tiny.schedule is not None
    # New rows after a raw insert get fresh ids (PostgreSQL's sequences were moved past them).
    extra = Petition.objects.create(
        number="X-1", query_code_hash="!", channel="visit", unit=tiny.townships[0], received_at=timezone.now()
    )
    assert extra.pk > max(Petition.objects.exclude(pk=extra.pk).values_list("pk", flat=True))


def test_generate_refuses_a_database_that_holds_a_dataset(tiny: data.Dataset) -> None:
    with pytest.raises(RuntimeError, match="already holds"):
        data.generate("tiny", log=lambda _line: None)


def test_bench_prints_one_line_per_scenario() -> None:
    lines = run_bench("--no-probes")
    assert gc.get_freeze_count() == 0  # what the timed runs froze is unfrozen again
    by_name = {line["scenario"]: line for line in lines}
    assert lines[0]["scenario"] == "generate" and lines[0]["petitions"] == 60
    for line in lines:
        assert line["scale"] == "tiny" and line["database"] == connection.vendor and line["commit"]
    pages = [line for line in lines if line.get("kind") in {"page", "api", "search"}]
    assert len(pages) >= 20
    for line in pages:
        assert line["runs"] == 3
        assert 0 < line["p50_ms"] <= line["p95_ms"] <= line["p99_ms"]
        assert line["queries"] > 0
    # The two-character words are found through the index, like the longer ones.
    for word in ("工资", "拖欠工资"):
        baseline = by_name[f"baseline: search {word} (county office)"]
        assert baseline["rows"] > 1  # the count and at least one matter, equal on both sides
        assert baseline["ratio"] > 0
    sweep = by_name["overdue sweep over all matters (petition_warn_due)"]
    assert sweep["matters"] == Petition.objects.count()
    due = Petition.objects.filter(
        stage__in=STAFF_STAGES, due_on__lte=timezone.localdate() + datetime.timedelta(days=3)
    ).count()
    assert due > 0 and sweep["warnings_recorded"] == due
    # The sweep's baseline found the same number of matters in SQL (else the run stops).
    assert (
        by_name["baseline: overdue sweep (recording the warnings) against finding the matters due"]["ratio"]
        > 0
    )
    roster = next(line for line in lines if line["scenario"].startswith("roster generation"))
    assert roster["assigned"] > 0 and roster["unfilled"] == 0
    grid = next(line for line in lines if line["scenario"].startswith("reports grid: 6 units x 60"))
    assert grid["bytes"] > 0
    # The POST scenarios wrote through the services: one matter per run (plus the counted one) ...
    assert Petition.objects.filter(summary__startswith="反映村道破损问题").count() == 4
    # ... and the sweep's runs were rolled back.
    from zhenwu.petitions.models import DeadlineWarning

    assert not DeadlineWarning.objects.exists()


def test_only_filters_the_scenarios() -> None:
    lines = run_bench("--no-probes", "--only", "search 工资")
    names = [line["scenario"] for line in lines[1:]]
    assert names and all("search 工资" in name for name in names)


def test_hand_written_sql_honours_the_shields(tiny: data.Dataset) -> None:
    """Matters accusing the viewer's unit, or the viewer, or from which they recused, stay hidden."""
    office = tiny.office
    mine = list(Petition.objects.filter(unit=office.unit, status=Status.HANDLING).order_by("pk")[:3])
    assert len(mine) == 3
    Petition.objects.filter(pk=mine[0].pk).update(accused_unit=office.unit)
    Petition.objects.filter(pk=mine[1].pk).update(accused_user=office)
    Recusal.objects.create(petition=mine[2], user=office, reason="亲属关系")
    ours = scenarios._ledger_page(office, {"status": Status.HANDLING})
    hand = scenarios._sql_ledger_page(office, status=Status.HANDLING)
    assert ours == hand
    hidden = {p.pk for p in mine}
    assert not hidden & set(ours[1:])
    visible = Petition.objects.filter(unit=office.unit, status=Status.HANDLING).exclude(pk__in=hidden).count()
    assert ours[0] == visible


def test_export_probe_exports_every_matter(tiny: data.Dataset) -> None:
    figures = scenarios.export_probe(tiny.admin.username)
    assert figures["rows"] == Petition.objects.count()
    assert figures["bytes"] > 5000 and figures["seconds"] >= 0
    assert figures["peak_rss_mb"] >= figures["rss_before_export_mb"] > 0


def test_collector_probe_serves_the_pages_then_times_both_ways(tiny: data.Dataset) -> None:
    runner = scenarios.Runner(tiny, scenarios.Emitter(lambda _line: None, scale="tiny"), repeat=3)
    figures = scenarios.collector_probe(tiny.office.username, runner.probe_urls())
    assert gc.get_freeze_count() == 0  # the probe leaves nothing frozen behind
    # The worker's loaded objects were frozen, and a full collection walked far fewer of them.
    assert figures["frozen_objects"] > 10 * figures["objects_walked"] > 0
    assert figures["objects_walked_unfrozen"] > 10 * figures["objects_walked"]
    assert figures["p50_ms"] > 0 and figures["unfrozen_p50_ms"] > 0


def test_percentiles_are_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert scenarios.percentile(samples, 0.5) == 50
    assert scenarios.percentile(samples, 0.95) == 95
    assert scenarios.percentile(samples, 0.99) == 99
    assert scenarios.summary_ms([3.0, 1.0, 2.0])["p99_ms"] == 3.0


def test_benchmark_accounts_are_synthetic(tiny: data.Dataset) -> None:
    assert User.objects.filter(username__startswith="zb-").count() == User.objects.count()
