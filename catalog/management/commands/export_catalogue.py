"""Export the master catalogue to a .csv or .xlsx file (the format follows the file name)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.exporters import CONTENT_TYPES, catalogue_export


class Command(BaseCommand):
    help = "Export the master catalogue to a .csv or .xlsx file / 导出事项目录"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        path: Path = options["file"]
        file_format = path.suffix.lstrip(".").lower()
        if file_format not in CONTENT_TYPES:
            raise CommandError(f"Name the file .csv or .xlsx, not {path.name} / 文件名须以 .csv 或 .xlsx 结尾")
        path.write_bytes(catalogue_export(file_format=file_format))
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} / 已导出"))
