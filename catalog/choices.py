"""Categories, item types, statuses and lifecycle kinds of the catalogue."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    LICENCE = "licence", _("Administrative licence")
    NON_LICENCE = "non_licence", _("Non-licence approval")
    PUBLIC_SERVICE = "public_service", _("Public service")


class ItemType(models.TextChoices):
    """National item types (事项类型) with the two letters used in item codes."""

    LICENCE = "XK", _("Licence")
    CONFIRMATION = "QR", _("Confirmation")
    ADJUDICATION = "CJ", _("Adjudication")
    PAYMENT = "JF", _("Payment")
    REWARD = "JL", _("Reward")
    FILING = "BA", _("Filing")
    OTHER = "QT", _("Other administrative power")
    PUBLIC_SERVICE = "GG", _("Public service")


class ItemKind(models.TextChoices):
    """The hierarchy: main item (主项) → sub-item (子项) → handling item (业务办理项)."""

    MAIN = "main", _("Main item")
    SUB = "sub", _("Sub-item")
    HANDLING = "handling", _("Handling item")


#: Which kind may sit under which.
PARENT_KIND: dict[str, str | None] = {ItemKind.MAIN: None, ItemKind.SUB: ItemKind.MAIN, ItemKind.HANDLING: ItemKind.SUB}


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Delivery(models.TextChoices):
    UPLOAD = "upload", _("Upload online")
    COUNTER = "counter", _("Hand in at the counter")
    SIGNED = "signed", _("Sign before staff")


class ApplicantType(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class EventKind(models.TextChoices):
    ADDED = "added", _("Added")
    TAKEN_OVER = "taken_over", _("Taken over from the province or state")
    DEVOLVED = "devolved", _("Devolved to districts")
    MERGED = "merged", _("Merged")
    CANCELLED_STATE = "cancelled_state", _("Cancelled by the state")
    CANCELLED_BASIS = "cancelled_basis", _("Cancelled for insufficient legal basis")


#: Event kinds that remove an item from the catalogue (from their effective date).
REMOVING_EVENTS = frozenset({EventKind.DEVOLVED, EventKind.MERGED, EventKind.CANCELLED_STATE,
                             EventKind.CANCELLED_BASIS})
#: Event kinds that bring an item in.
ADDING_EVENTS = frozenset({EventKind.ADDED, EventKind.TAKEN_OVER})


class FormKind(models.TextChoices):
    """What a file attached to an item version is: a blank form to fill in (表单) or a filled-in sample (样表)."""

    BLANK = "blank", _("Blank form")
    SAMPLE = "sample", _("Filled-in sample")


class ImportStage(models.TextChoices):
    """Where a catalogue import run by the worker is: its rows checked, then its items created."""

    QUEUED = "queued", _("Waiting for the worker")
    CHECKING = "checking", _("Checking rows")
    CREATING = "creating", _("Creating items")
    DONE = "done", _("Done")
    FAILED = "failed", _("Refused")


IMPORT_STAGE_RUNNING = (ImportStage.QUEUED, ImportStage.CHECKING, ImportStage.CREATING)
