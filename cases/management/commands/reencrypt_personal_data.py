"""`manage.py reencrypt_personal_data`: rewrite applicants' personal data under the newest key of
GOVSERVICE_DATA_KEYS in every ready centre's schema (cases) and in the public outbox: the key rotation's
second step (docs/operations.md). Also encrypts any value still in clear text. Safe to run again."""
from django.core.management.base import BaseCommand
from django.db import transaction

from cases import door
from notifications.models import OutboxMessage
from tenants.choices import CentreStatus
from tenants.models import Centre


class Command(BaseCommand):
    help = "Re-encrypt personal data under the newest GOVSERVICE_DATA_KEYS key / 用最新密钥重新加密个人信息"

    def add_arguments(self, parser):
        parser.add_argument("--centre", action="append", default=[], help="division code (repeatable); default: all")

    def handle(self, *args, **options):
        centres = Centre.objects.filter(status=CentreStatus.READY).order_by("division_code")
        if options["centre"]:
            centres = centres.filter(division_code__in=options["centre"])
        total = 0
        for centre in centres:
            count = door.personal_data_reencrypt(centre=centre)
            total += count
            self.stdout.write(f"{centre.division_code} {centre.slug}: {count} cases")
        with transaction.atomic():
            messages = list(OutboxMessage.objects.select_for_update().only("pk", "to").order_by("pk"))
            OutboxMessage.objects.bulk_update(messages, ["to"], batch_size=2000)
        self.stdout.write(self.style.SUCCESS(f"{total} cases and {len(messages)} outbox messages re-encrypted"))
