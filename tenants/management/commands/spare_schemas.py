"""`manage.py spare_schemas [--refill] [--wanted N]`: list the spare centre schemas (tenants.spares) and,
with --refill, bring them to N (default `TENANT_SPARE_SCHEMAS`) of the current tenant migrations, as the
beat does every 10 minutes. After a deploy with new tenant migrations, run it to have spares again at once."""
from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tenants.provisioning import script_key
from tenants.spares import spares, spares_refill


class Command(BaseCommand):
    help = "List the spare centre schemas; with --refill, make or drop them to the number wanted."

    def add_arguments(self, parser):
        parser.add_argument("--refill", action="store_true", help="make the missing spares, drop stale ones")
        parser.add_argument("--wanted", type=int, default=None, help="spares wanted (default TENANT_SPARE_SCHEMAS)")

    def handle(self, *args, refill: bool, wanted: int | None, **options):
        if refill:
            result = spares_refill(wanted=wanted)
            if result.skipped:
                self.stdout.write(_("Another refill is running; nothing done."))
            else:
                self.stdout.write(_("%(made)d made, %(dropped)d dropped, %(ready)d ready (%(seconds)s s).")
                                  % {"made": result.made, "dropped": result.dropped, "ready": result.ready,
                                     "seconds": result.seconds})
        key = script_key()
        for spare in spares():
            state = _("ready") if spare.key == key else _("stale (older migrations)")
            self.stdout.write(f"{spare.name}\t{state}")
