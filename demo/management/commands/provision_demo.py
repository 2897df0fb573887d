"""Provision the Xi'an demo network (200 centres) with demo logins; idempotent."""
from django.core.management.base import BaseCommand
from tqdm import tqdm

from demo.provision import demo_provision
from tenants.demo import DEMO_USERS, NETWORK_CSV
from tenants.models import Centre


class Command(BaseCommand):
    help = "Provision the Xi'an demo network / 创建西安演示网络"

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when centres already exist (a second run of the platform)")

    def handle(self, *args, **options):
        if options["if_empty"] and Centre.objects.exists():
            self.stdout.write(f"{Centre.objects.count()} centres exist; the demo network is not provisioned again.")
            return
        with tqdm(total=sum(1 for _ in NETWORK_CSV.open(encoding="utf-8")) - 1, unit="centre",
                  file=self.stderr._out, disable=options["verbosity"] == 0) as bar:
            summary = demo_provision(progress=lambda *_: bar.update(1))
        self.stdout.write(self.style.SUCCESS(
            f"{summary['centres']} centres ({summary['created']} new) in {summary['seconds']} s; "
            f"demo users: {', '.join(u for u, _, _ in DEMO_USERS)} and admin-<slug>"))
