"""Enter a year's holiday schedule from a .csv or .xlsx file (date,kind,name; kind = holiday | workday):
read by `workcalendar.importers`, like the other imports."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common.errors import ApplicationError
from workcalendar.importers import read_schedule_file
from workcalendar.services import schedule_enter


class Command(BaseCommand):
    help = "Enter the State Council holiday schedule of a year / 录入年度节假日安排"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--file", type=Path, required=True,
                            help="CSV (UTF-8 or GB18030) or XLSX: date,kind,name (kind: holiday|workday); "
                                 "dates like 2027-01-01, 2027/1/1 or 2027年1月1日")

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            with path.open("rb") as stream:
                holidays, workdays = read_schedule_file(stream, path.name)
            schedule_enter(year=options["year"], holidays=holidays, workdays=workdays, acting_user=None)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"{options['year']}: {len(holidays)} holidays, {len(workdays)} weekend workdays entered; provisional due "
            f"dates are being recomputed / 已录入，临时截止日期正在重新计算"))
