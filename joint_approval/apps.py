from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JointApprovalConfig(AppConfig):
    name = "joint_approval"
    verbose_name = _("Joint approvals")

    def ready(self) -> None:
        from joint_approval import services

        services.connect()
