"""Onboard every centre in a CSV or Excel file, with a progress bar."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from common.errors import ApplicationError
from tenants.importers import read_centre_file
from tenants.services import centre_bulk_onboard


class Command(BaseCommand):
    help = "Onboard the centres listed in a .csv or .xlsx file / 从文件批量入驻中心"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--admins", action="store_true",
                            help="create an administrator admin-<slug> for each centre")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"No such file: {path} / 文件不存在")
        try:
            with path.open("rb") as stream:
                rows = read_centre_file(stream, path.name)
            bar = tqdm(total=len(rows), unit="centre", file=self.stderr._out, disable=options["verbosity"] == 0)
            results = centre_bulk_onboard(
                rows=rows, acting_user=None,
                progress=lambda *_: bar.update(1),
                admin_username=(lambda row: f"admin-{row.slug}") if options["admins"] else None)
            bar.close()
        except ApplicationError as exc:
            lines = [str(exc)]
            for bad in exc.extra.get("rows", []):
                problems = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in bad["fields"].items())
                lines.append(f"  row {bad['row']} ({bad['code']}): {problems}")
            raise CommandError("\n".join(lines)) from exc
        created = sum(r.created for r in results)
        self.stdout.write(self.style.SUCCESS(
            f"{created} centres onboarded, {len(results) - created} already existed / "
            f"新入驻 {created} 个, 已存在 {len(results) - created} 个"))
