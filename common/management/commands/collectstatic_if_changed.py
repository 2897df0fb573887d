"""`collectstatic`, only when a static source file changed since the last collection (common.serving):
`dev.py run` calls it before starting the web server, so a second run starts without collecting again."""
from django.core.management.base import BaseCommand

from common.serving import collect_static_if_changed


class Command(BaseCommand):
    help = "Collect the static files when their sources changed / 静态文件有改动时重新收集"

    def handle(self, *args, **options):
        ran = collect_static_if_changed(verbosity=max(options["verbosity"] - 1, 0))
        if options["verbosity"] > 1 or ran:
            self.stdout.write("static files collected" if ran else "static files already current")
