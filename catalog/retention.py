"""How long a case's files are kept (保管期限), by the item's type (事项类型): the one place of the rule.

Sources: the retention periods are those of 《机关文件材料归档范围和文书档案保管期限规定》 (国家档案局令第8号,
2006): permanent (永久) and fixed terms of 30 years (定期30年) and 10 years (定期10年). DA/T 85—2019
《政务服务事项电子文件归档规范》 (in force since 2020-05-01) sets how the files of government-service items
are archived (the archival package, its metadata, formats such as PDF/A) and leaves the period to the
archive's retention schedule; GB/T 18894—2016 《电子文件归档与电子档案管理规范》 is the general rule for
electronic records.

What is assumed here (no national table maps the eight item types to periods; a centre's archive may
set its own schedule, and this mapping is then the thing to change):

- a licence (行政许可) and a confirmation (行政确认) create or confirm lasting rights: permanent;
- an adjudication (行政裁决), a payment (行政给付), a reward (行政奖励) and another administrative
  power (其他行政权力): 30 years;
- a filing (备案) and a public service (公共服务): 10 years.

Every file of a case (material, receipt, notice, decision, the archive's summary) takes its case's
item's period. Shape: `retention_for(item_type) -> Retention`.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from catalog.choices import ItemType


@dataclass(frozen=True)
class Retention:
    """A retention period (保管期限): its code (`permanent`, `30y`, `10y`), the years (None: permanent)
    and its names in Chinese (the archive's own wording) and in the user's language."""

    code: str
    years: int | None
    name_zh: str
    label: str | Promise

    def as_dict(self) -> dict:
        """For a manifest: `{"code", "years", "name_zh", "name_en"}`."""
        from django.utils import translation  # noqa: PLC0415  (a small helper; the module has no request)

        with translation.override("en"):
            name_en = str(self.label)
        return {"code": self.code, "years": self.years, "name_zh": self.name_zh, "name_en": name_en}


PERMANENT = Retention("permanent", None, "永久", _("Permanent"))
THIRTY_YEARS = Retention("30y", 30, "定期30年", _("30 years"))
TEN_YEARS = Retention("10y", 10, "定期10年", _("10 years"))

#: The period of each item type (see the module's docstring for the sources and what is assumed).
BY_ITEM_TYPE: dict[str, Retention] = {
    ItemType.LICENCE: PERMANENT,
    ItemType.CONFIRMATION: PERMANENT,
    ItemType.ADJUDICATION: THIRTY_YEARS,
    ItemType.PAYMENT: THIRTY_YEARS,
    ItemType.REWARD: THIRTY_YEARS,
    ItemType.OTHER: THIRTY_YEARS,
    ItemType.FILING: TEN_YEARS,
    ItemType.PUBLIC_SERVICE: TEN_YEARS,
}
#: An item type this table does not know (none today): kept the longest fixed term, never less.
DEFAULT = THIRTY_YEARS


def retention_for(item_type: str) -> Retention:
    """The retention period of the files of a case of an item of type `item_type` (a `ItemType` value)."""
    return BY_ITEM_TYPE.get(item_type, DEFAULT)
