"""The benchmark command runs end to end at its smallest scale and prints every figure
the performance issue asks for (the figures themselves are for reading, not asserting)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from improvements.models import Action
from inspections.models import Inspection

KEYS = {
    "actions",
    "updates",
    "board_ms_p50",
    "board_ms_p95",
    "board_queries",
    "board_sql_floor_ms",
    "board_kb",
    "national_ms_p50",
    "list_ms_p50",
    "inspection_ms_p50",
    "export_ms",
    "sweep_s",
    "sweep_queries",
    "import_ms",
}


@pytest.mark.django_db
def test_bench_small_prints_every_figure_and_keeps_no_import():
    out = StringIO()
    call_command("bench", scale="small", as_json=True, repeat=1, stdout=out)
    figures = json.loads(out.getvalue())
    assert set(figures) >= KEYS
    assert figures["actions"] == Action.objects.count() == 900
    assert figures["updates"] > figures["actions"]
    assert figures["board_queries"] == figures["largest_board_queries"]  # flat in the size
    assert figures["sweep_queries"] > 0 and figures["import_ms"] > 0
    assert not Inspection.objects.filter(programme__contains="(bench").exists()
