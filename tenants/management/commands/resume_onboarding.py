"""Complete every centre whose onboarding stopped half-way (status *provisioning*): `dev.py run` calls it.

Each is completed on its own: one that fails again is reported and left in *provisioning* (not served,
skipped by `migrate_schemas`), the others are completed. Exit 1 when one failed."""
from django.core.management.base import BaseCommand

from common.errors import ApplicationError
from tenants.services import centre_onboarding_resume, centres_half_made


class Command(BaseCommand):
    help = "Complete the onboarding of centres left half-made / 完成中断的中心入驻"

    def handle(self, *args, **options):
        centres = centres_half_made()
        if not centres:
            if options["verbosity"] > 1:
                self.stdout.write("no centre is half-made")
            return
        shown = ", ".join(c.division_code for c in centres[:10]) + (" ..." if len(centres) > 10 else "")
        self.stdout.write(f"{len(centres)} centre(s) were left half-made by an onboarding that stopped; "
                          f"completing them: {shown}")
        failed = []
        for centre in centres:
            try:
                centre_onboarding_resume(centre=centre, acting_user=None)
            except ApplicationError as exc:
                failed.append(centre)
                self.stderr.write(str(exc))
            else:
                self.stdout.write(f"centre {centre.division_code} {centre.name_zh} ({centre.slug}) is ready")
        if failed:
            self.stderr.write(f"{len(failed)} centre(s) are still half-made (not served): "
                              f"{', '.join(c.division_code for c in failed)}. Fix the cause above and run "
                              "`manage.py resume_onboarding` again.")
            raise SystemExit(1)
