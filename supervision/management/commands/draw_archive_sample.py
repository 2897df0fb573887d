"""Draw a month's archive sample (档案抽查) for every ready centre, or for one."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from common.errors import ApplicationError
from supervision.periods import month_start
from supervision.sampling.services import archive_sample_draw
from tenants.choices import CentreStatus
from tenants.models import Centre


class Command(BaseCommand):
    help = "Draw the month's random sample of closed cases whose paper archives are checked (20 per centre)."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--centre", help="division code of one centre (default: every ready centre)")
        parser.add_argument("--seed", type=int, help="the seed (default: a random one, stored with the draw)")
        parser.add_argument("--size", type=int, default=20)

    def handle(self, *args, month, centre=None, seed=None, size=20, **options):
        try:
            first = month_start(month)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        centres = Centre.objects.filter(status=CentreStatus.READY)
        if centre:
            centres = centres.filter(division_code=centre)
            if not centres.exists():
                raise CommandError(f"No ready centre {centre}.")
        for c in centres.order_by("division_code"):
            try:
                sample = archive_sample_draw(centre=c, month=first, seed=seed, size=size)
            except ApplicationError as exc:
                self.stderr.write(f"{c.division_code} {first:%Y-%m}: {exc}")
                continue
            self.stdout.write(f"{c.division_code} {first:%Y-%m} seed={sample.seed} drawn={len(sample.case_ids)}")
