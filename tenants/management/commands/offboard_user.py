"""Offboard a user: `manage.py offboard_user <username>` deactivates (sessions, API tokens and roles end
at once, records kept); `--erase` also erases their personal data (user name → `erased-<id>`)."""
from django.core.management.base import BaseCommand, CommandError

from tenants.models import User
from tenants.services import user_deactivate, user_erase


class Command(BaseCommand):
    help = "Deactivate a user, or with --erase also erase their personal data / 停用用户或删除其个人信息"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--erase", action="store_true",
                            help="also replace the user name by a pseudonym and empty name, e-mail and mobile")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']} / 无此用户")
        if options["erase"]:
            user = user_erase(user=user, acting_user=None)
            self.stdout.write(self.style.SUCCESS(f"Deactivated and erased; the user is now {user.username}"))
        else:
            user_deactivate(user=user, acting_user=None)
            self.stdout.write(self.style.SUCCESS(f"Deactivated {user.username}"))
