"""Compare every centre's cases with the registry and report any drift (the cases read through their
door, `cases.door.reconcile_rows`). Rows waiting in the centres' outboxes (public writes projected after
commit, `cases.outbox`) are projected first: a row not yet projected is lag, not drift."""
from django.core.management.base import BaseCommand

from cases import door
from registry.models import RegistryEntry
from tenants.choices import CentreStatus
from tenants.models import Centre


class Command(BaseCommand):
    help = "Compare every centre's cases with the shared case registry / 核对各中心办件与登记簿"

    def add_arguments(self, parser):
        parser.add_argument("--centre", help="one centre's division code")

    def handle(self, *args, **options):
        centres = Centre.objects.exclude(status=CentreStatus.PROVISIONING)
        if options["centre"]:
            centres = centres.filter(division_code=options["centre"])
        projected = door.outbox_catch_up()
        if projected:
            self.stdout.write(f"{projected} outbox rows projected first / 先同步发件箱 {projected} 条")
        drift = 0
        for centre in centres:
            rows = RegistryEntry.objects.filter(centre=centre).values("case_id", *door.RECONCILED)
            registry = {e["case_id"]: e for e in rows}
            cases = door.reconcile_rows(centre=centre)
            for case_id, case in cases.items():
                entry = registry.get(case_id)
                if entry is None:
                    drift += 1
                    self.stdout.write(f"{centre.division_code} {case['number']}: not in the registry / 登记簿缺失")
                    continue
                for name in door.RECONCILED:
                    if entry[name] != case[name]:
                        drift += 1
                        self.stdout.write(f"{centre.division_code} {case['number']}: {name} case={case[name]} "
                                          f"registry={entry[name]} / 不一致")
            for case_id in registry.keys() - cases.keys():
                drift += 1
                self.stdout.write(f"{centre.division_code} {registry[case_id]['number']}: in the registry but no "
                                  f"such case / 登记簿多余")
        if drift:
            self.stdout.write(self.style.ERROR(f"{drift} differences / 共 {drift} 处不一致"))
        else:
            self.stdout.write(self.style.SUCCESS("registry and cases agree / 登记簿与办件一致"))
