"""The Xi'an demo (演示数据): the network, its people, the catalogue, joint approvals and delegation,
provisioned together. The top of the apps: it may import every one of them, none imports it."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = _("Demo data")
