"""`manage.py centre_import <file.tar>`: a centre_export archive into this platform instance; operations.move."""
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from operations.move import centre_import


class Command(BaseCommand):
    help = ("Import a centre exported with centre_export into this platform instance, which must have the same "
            "catalogue (ids are matched by item codes, usernames and division codes) and not the centre.")

    def add_arguments(self, parser):
        parser.add_argument("archive")

    def handle(self, *args, archive, **options):
        result = centre_import(archive=Path(archive), say=self.stdout.write)
        for label, count in sorted(result["left_out"].items()):
            self.stdout.write(self.style.WARNING(
                _("%(count)s rows of %(model)s left out: they name a row that neither moved nor is here (e.g. a "
                  "joint case accepted at another centre).") % {"count": count, "model": label}))
        self.stdout.write(self.style.SUCCESS(_("centre %(code)s imported") % {"code": result["centre"]}))
