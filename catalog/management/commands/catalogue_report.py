"""Print the compression table (city-wide or one centre's) and a year's change sentence."""
from django.core.management.base import BaseCommand, CommandError

from catalog.reports import change_report, change_sentence, compression_report, compression_table
from tenants.models import Centre


class Command(BaseCommand):
    help = "Promised vs legal time limits per category, and the catalogue changes of a year."

    def add_arguments(self, parser):
        parser.add_argument("--centre", help="A centre's division code (default: the city-wide master catalogue).")
        parser.add_argument("--year", type=int, default=2014, help="Year of the change sentence (default 2014).")
        parser.add_argument("--language", default="zh", choices=["zh", "en"])

    def handle(self, *args, centre=None, year=2014, language="zh", **options):
        target = None
        if centre:
            target = Centre.objects.filter(division_code=centre).first()
            if target is None:
                raise CommandError(f"No centre with division code {centre}.")
        report = compression_report(centre=target)
        title = target.name_zh if target and language == "zh" else (target.name_en if target else None)
        self.stdout.write(title or ("全市事项目录" if language == "zh" else "City-wide master catalogue"))
        self.stdout.write(compression_table(report, language=language))
        self.stdout.write("")
        self.stdout.write(f"{year}: {change_sentence(change_report(year=year), language=language)}")
