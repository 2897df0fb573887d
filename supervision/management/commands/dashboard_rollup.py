"""Bring the dashboards' daily roll-up (监察看板日汇总) up to yesterday now, or rebuild it whole (after a
deployment, or a correction of the registry): what the beat's `supervision.dashboard_rollup` does at night."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from supervision.dashboards.rollup import dashboard_rollup


class Command(BaseCommand):
    help = ("Recompute the dashboards' daily roll-up: the days not rolled up yet and those whose registry rows "
            "changed since the last run (--rebuild: every day before today).")

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute every day before today")

    def handle(self, *args, rebuild=False, **options):
        result = dashboard_rollup(rebuild=rebuild)
        self.stdout.write(f"{'rebuilt' if result.rebuild else 'updated'}: {result.days} days, {result.rows} rows, "
                          f"complete through {result.through}, {result.seconds:.1f} s")
