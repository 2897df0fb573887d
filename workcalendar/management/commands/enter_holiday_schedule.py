"""Enter a year's holiday schedule from a CSV (date,kind,name; kind = holiday | workday)."""
import csv
import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common.errors import ApplicationError
from workcalendar.services import schedule_enter


class Command(BaseCommand):
    help = "Enter the State Council holiday schedule of a year / 录入年度节假日安排"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--file", type=Path, required=True, help="CSV: date,kind,name (kind: holiday|workday)")

    def handle(self, *args, **options):
        holidays, workdays = [], []
        try:
            with options["file"].open(encoding="utf-8-sig") as stream:
                for number, row in enumerate(csv.DictReader(stream), start=2):
                    day = dt.date.fromisoformat(row["date"].strip())
                    kind = row["kind"].strip().lower()
                    if kind not in ("holiday", "workday"):
                        raise CommandError(f"row {number}: kind must be holiday or workday / "
                                           "类型须为 holiday 或 workday")
                    (holidays if kind == "holiday" else workdays).append((day, row.get("name", "").strip()))
            schedule_enter(year=options["year"], holidays=holidays, workdays=workdays, acting_user=None)
        except (OSError, KeyError, ValueError) as exc:
            raise CommandError(f"{exc}") from exc
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"{options['year']}: {len(holidays)} holidays, {len(workdays)} weekend workdays entered; provisional due "
            f"dates are being recomputed / 已录入，临时截止日期正在重新计算"))
