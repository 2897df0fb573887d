"""Import master items from a .csv or .xlsx file (all rows checked first; all or nothing)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from catalog.importers import catalogue_import
from common.errors import ApplicationError


class Command(BaseCommand):
    help = "Import master catalogue items from a .csv or .xlsx file / 从文件导入事项目录"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--language", default="zh-hans", help="language of the messages (zh-hans or en)")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"No such file: {path} / 文件不存在")
        with translation.override(options["language"]):
            try:
                with path.open("rb") as stream:
                    items = catalogue_import(stream=stream, file_name=path.name, acting_user=None)
            except ApplicationError as exc:
                lines = [str(exc.extra.get("summary") or exc)]
                lines += [f"  row {p['row']}, {p['column']}: {p['message']}" for p in exc.extra.get("rows", [])]
                raise CommandError("\n".join(lines)) from exc
        self.stdout.write(self.style.SUCCESS(f"{len(items)} items imported / 导入事项 {len(items)} 项"))
