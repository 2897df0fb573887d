from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JointApprovalConfig(AppConfig):
    name = "joint_approval"
    verbose_name = _("Joint approvals")

    def ready(self) -> None:
        from joint_approval import selectors, services
        from registry.hooks import joint_number_asked

        services.connect()
        joint_number_asked.connect(selectors.on_joint_number_asked)  # the progress lookup of joint numbers
