"""Provision the demo catalogue (28 departments, 160 items, the 2014 history) on the existing centres."""
from django.core.management.base import BaseCommand

from catalog.demo import demo_catalogue_provision


class Command(BaseCommand):
    help = "Provision the demo catalogue on the centres that exist (run provision_demo first). Idempotent."

    def handle(self, *args, **options):
        summary = demo_catalogue_provision()
        self.stdout.write(self.style.SUCCESS(
            "Demo catalogue: {departments} departments, {items} items ({sub_items} sub-items), {removed_items} removed "
            "in 2014; created {items_created} items, {adoptions_created} adoptions for {centres_adopting} centres, "
            "{events_recorded} events; {local_settings} local settings; {seconds} s".format(**summary)))
