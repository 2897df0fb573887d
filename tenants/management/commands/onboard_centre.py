"""Onboard one centre: `manage.py onboard_centre --level district --code 610103 --slug beilin ...`."""
from django.core.management.base import BaseCommand, CommandError

from common.errors import ApplicationError
from tenants.choices import Level
from tenants.services import centre_onboard
from tenants.validation import CentreInput


class Command(BaseCommand):
    help = "Onboard one centre (provision its schema by migrations) / 入驻一个中心"

    def add_arguments(self, parser):
        parser.add_argument("--level", required=True, choices=Level.values)
        parser.add_argument("--code", required=True, help="administrative division code")
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name-zh", required=True)
        parser.add_argument("--name-en", required=True)
        parser.add_argument("--parent", default="", help="parent centre's division code")
        parser.add_argument("--admin", default="", help="user name of the centre's administrator")

    def handle(self, *args, **options):
        data = CentreInput(level=options["level"], code=options["code"], slug=options["slug"].lower(),
                           name_zh=options["name_zh"], name_en=options["name_en"],
                           parent_code=options["parent"])
        try:
            result = centre_onboard(data=data, acting_user=None, admin_username=options["admin"] or None)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(result.message) if result.created else result.message)
