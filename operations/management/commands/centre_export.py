"""`manage.py centre_export <division code> <file.tar>`: one centre's schema, public rows and files in one
archive, to move it to another platform instance or to answer an audit request; operations.move."""
from pathlib import Path

from django.core.management.base import BaseCommand

from operations.move import centre_export


class Command(BaseCommand):
    help = ("Export one centre (its schema, its public rows: registry, outbox, adoptions, memberships, audit log, "
            "supervision..., and its files) to a .tar archive, for centre_import on another platform instance or "
            "for an audit request.")

    def add_arguments(self, parser):
        parser.add_argument("division_code", help="the centre's administrative division code, e.g. 610103")
        parser.add_argument("destination", help="a new file name ending in .tar")

    def handle(self, *args, division_code, destination, **options):
        manifest = centre_export(division_code=division_code, destination=Path(destination), say=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(
            f"{destination}: {sum(manifest['public_rows'].values())} public rows, "
            f"{sum(manifest['schema_rows'].values())} rows in {manifest['centre']['schema_name']}"))
