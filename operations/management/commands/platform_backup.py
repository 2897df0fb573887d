"""`manage.py platform_backup <folder|file.tar>`: the whole platform (every schema, the uploaded files, a
manifest) in one archive; operations.backup."""
from pathlib import Path

from django.core.management.base import BaseCommand

from operations.backup import platform_backup


class Command(BaseCommand):
    help = ("Back up the whole platform: every schema (pg_dump, directory format), the uploaded files and a "
            "manifest with versions, migrations, row counts and checksums, into a new folder or a .tar file.")

    def add_arguments(self, parser):
        parser.add_argument("destination", help="a new (or empty) folder, or a file name ending in .tar")
        parser.add_argument("--jobs", type=int, default=2, help="pg_dump's parallel jobs (default 2)")
        parser.add_argument("--no-media", action="store_true",
                            help="leave the uploaded files out (object storage backed up on its own)")

    def handle(self, *args, destination, jobs, no_media, **options):
        manifest = platform_backup(destination=Path(destination), jobs=jobs, media=not no_media,
                                   say=self.stdout.write)
        rows = sum(sum(schema["tables"].values()) for schema in manifest["schemas"].values())
        self.stdout.write(self.style.SUCCESS(
            f"{destination}: {len(manifest['schemas'])} schemas, {rows} rows, {len(manifest['files'])} files"))
