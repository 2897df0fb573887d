"""`manage.py platform_restore <archive>`: a platform_backup archive into an empty database and storage;
operations.backup."""
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from operations.backup import platform_restore


class Command(BaseCommand):
    help = ("Restore a platform_backup archive (folder or .tar) into the EMPTY database of DATABASE_URL and an "
            "empty file storage, then check every table's row count against the archive's manifest.")

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--jobs", type=int, default=2, help="pg_restore's parallel jobs (default 2)")
        parser.add_argument("--no-media", action="store_true", help="restore the database only")

    def handle(self, *args, archive, jobs, no_media, **options):
        result = platform_restore(archive=Path(archive), jobs=jobs, media=not no_media, say=self.stdout.write)
        behind = result["migrations_behind"]
        if behind:
            self.stdout.write(self.style.WARNING(
                _("The backup was taken before this code's migrations of %(apps)s: run `manage.py migrate_schemas`.")
                % {"apps": ", ".join(behind)}))
        self.stdout.write(self.style.SUCCESS(_("restored: %(rows)s rows in %(tables)s tables") % result))
