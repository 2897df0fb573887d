"""Provision the Xi'an demo (200 centres, demo logins, windows, catalogue, joint approvals, delegation).

Steps already recorded as done are skipped, so a run that stopped half-way is resumed where it stopped.
`--resume` (what `dev.py run` passes) also leaves alone a database holding centres that are not the
demo's (a real installation)."""
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.hall import device_lines
from demo.provision import demo_provision, demo_state
from tenants.demo import DEMO_USERS, NETWORK_CSV
from tenants.models import Centre

#: Loggers whose INFO lines are one per SMS queued or item published: hundreds while the demo is made.
CHATTY = ("notifications", "catalog")


@contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    """Their warnings and errors only, for the block (`-v 2` keeps everything)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = "Provision the Xi'an demo network / 创建西安演示网络"

    def add_arguments(self, parser):
        parser.add_argument("--resume", "--if-empty", action="store_true", dest="resume",
                            help="run only what an earlier run did not finish, and nothing on a database whose "
                                 "centres are not the demo's (a second run of the platform)")

    def handle(self, *args, **options):
        state = demo_state()
        if state.complete:
            self.stdout.write(f"the demo is complete ({Centre.objects.count()} centres); "
                              "the demo network is not provisioned again.")
            self._devices()
            return
        if options["resume"] and state.foreign_centres and not state.started:
            self.stdout.write(f"{state.foreign_centres} centres exist that are not the demo's; the demo is not "
                              "provisioned (run `manage provision_demo` to add it anyway).")
            return
        if state.started or Centre.objects.exists():
            self.stdout.write(f"an earlier run stopped half-way; resuming the demo at: {', '.join(state.missing)}")
        with tqdm(total=sum(1 for _ in NETWORK_CSV.open(encoding="utf-8")) - 1, unit="centre",
                  file=self.stderr._out, disable=options["verbosity"] == 0) as bar:
            try:
                with _quiet(CHATTY if options["verbosity"] < 2 else ()):
                    summary = demo_provision(progress=lambda *_: bar.update(1),
                                             on_step=lambda name: bar.set_description(name))
            except Exception as exc:
                raise CommandError(
                    f"provisioning the demo stopped: {exc}. The steps done so far are kept; run it again to "
                    "resume.") from exc
        self.stdout.write(self.style.SUCCESS(
            f"{summary['centres']} centres ({summary['created']} new) in {summary['seconds']} s; steps run: "
            f"{', '.join(summary['ran'])}; demo users: {', '.join(u for u, _, _ in DEMO_USERS)} and admin-<slug>"))
        self._devices()

    def _devices(self) -> None:
        """The demo halls' kiosk, screen and pads: their pages (each with its key; demo only)."""
        lines = device_lines()
        if lines:
            self.stdout.write("  demo hall devices (open on the device; the key in the address is its login):")
            for line in lines:
                self.stdout.write(f"    {line}")

