"""The "procedure changed" post (办事指南变更): when a new version of an item takes effect, every centre that
exercises the item says what changed, in both languages, dated on the version's effective date. A listener
on `catalog.hooks.version_published` (inside the catalogue's transaction)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from catalog.hooks import VersionPublished
from catalog.models import Adoption, ItemVersion
from news import text
from news.choices import PostKind, PostStatus
from news.models import Post

#: Levels of online handling depth (网上办理深度), as the guide names them.
DEPTHS = {1: ("信息公开", "information"), 2: ("表格下载", "forms to download"), 3: ("在线预审", "online application"),
          4: ("全程网办", "fully online")}


def _fee(amount: Decimal, language: str) -> str:
    if not amount:
        return "免费" if language == "zh" else "free"
    return f"{amount} 元" if language == "zh" else f"{amount} yuan"


def changes(previous: ItemVersion, version: ItemVersion) -> tuple[list[str], list[str]]:
    """What changed from `previous` to `version`: (Chinese lines, English lines), each a Markdown list item's
    text: names, limits, immediacy, visits, online depth, fees, materials added and removed, conditions, legal
    basis, process steps, contacts."""
    zh: list[str] = []
    en: list[str] = []
    if previous.name_zh != version.name_zh:
        zh.append(f"事项名称由“{previous.name_zh}”调整为“{version.name_zh}”")
        en.append(f"Name: “{previous.name_en}” → “{version.name_en}”")
    if previous.legal_limit_days != version.legal_limit_days:
        zh.append(f"法定办结时限由 {previous.legal_limit_days} 个工作日调整为 {version.legal_limit_days} 个工作日")
        en.append(f"Legal time limit: {previous.legal_limit_days} → {version.legal_limit_days} working days")
    if previous.is_immediate != version.is_immediate:
        zh.append("改为即办件，当场办结" if version.is_immediate else "改为承诺件")
        en.append("Now an immediate item, decided on the spot" if version.is_immediate
                  else "Now a promised item (no longer decided on the spot)")
    if previous.promised_limit_days != version.promised_limit_days and not version.is_immediate:
        zh.append(f"承诺办结时限由 {previous.promised_limit_days} 个工作日调整为 "
                  f"{version.promised_limit_days} 个工作日")
        en.append(f"Promised time limit: {previous.promised_limit_days} → {version.promised_limit_days} working days")
    if previous.visits_required != version.visits_required:
        zh.append(f"到现场次数由 {previous.visits_required} 次调整为 {version.visits_required} 次")
        en.append(f"Visits required: {previous.visits_required} → {version.visits_required}")
    if previous.online_depth != version.online_depth:
        before, after = DEPTHS.get(previous.online_depth, ("", "")), DEPTHS.get(version.online_depth, ("", ""))
        zh.append(f"网上办理深度由 {previous.online_depth} 级（{before[0]}）调整为 "
                  f"{version.online_depth} 级（{after[0]}）")
        en.append(f"Online handling depth: level {previous.online_depth} ({before[1]}) → level "
                  f"{version.online_depth} ({after[1]})")
    if previous.fee_yuan != version.fee_yuan:
        zh.append(f"收费标准由 {_fee(previous.fee_yuan, 'zh')} 调整为 "
                  f"{_fee(version.fee_yuan, 'zh')}")
        en.append(f"Fee: {_fee(previous.fee_yuan, 'en')} → "
                  f"{_fee(version.fee_yuan, 'en')}")
    elif previous.fee_basis != version.fee_basis:
        zh.append("收费依据有调整")
        en.append("The basis of the fee changed")
    before_materials = {m.name_zh: m for m in previous.materials.all()}
    after_materials = {m.name_zh: m for m in version.materials.all()}
    added = [m for name, m in after_materials.items() if name not in before_materials]
    removed = [m for name, m in before_materials.items() if name not in after_materials]
    if added:
        zh.append("新增申报材料：" + "、".join(m.name_zh for m in added))
        en.append("Materials added: " + ", ".join(m.name_en or m.name_zh for m in added))
    if removed:
        zh.append("取消申报材料：" + "、".join(m.name_zh for m in removed))
        en.append("Materials no longer required: " + ", ".join(m.name_en or m.name_zh for m in removed))
    for field, label_zh, label_en in (("conditions", "办理条件", "The conditions"),
                                      ("legal_basis", "设定依据", "The legal basis"),
                                      ("steps", "办理流程", "The process steps"),
                                      ("contact_phone", "咨询电话", "The contact phone")):
        if getattr(previous, field) != getattr(version, field):
            zh.append(f"{label_zh}有调整")
            en.append(f"{label_en} changed")
    return zh, en


def _bodies(event: VersionPublished) -> tuple[str, str]:
    version, previous = event.version, event.previous
    if previous is None:
        raise ValueError("a first version changes no procedure")
    zh_lines, en_lines = changes(previous, version)
    on = event.effective_on
    zh = [f"事项 {version.item.code}“{version.name_zh}”第 {version.number} 版自 {on:%Y年%m月%d日} 起施行，"
          f"取代第 {previous.number} 版。", ""]
    en = [f"Version {version.number} of item {version.item.code} “{version.name_en}” takes effect on {on:%Y-%m-%d}, "
          f"replacing version {previous.number}.", ""]
    if zh_lines:
        zh += ["主要变化：", "", *[f"- {line}" for line in zh_lines]]
        en += ["What changed:", "", *[f"- {line}" for line in en_lines]]
    else:
        zh.append("本次修订未调整办理时限、收费和申报材料。")
        en.append("The time limits, fees and materials are unchanged.")
    zh += ["", "在办件按受理时的版本办结。"]
    en += ["", "Cases already accepted finish under the version they were accepted under."]
    return "\n".join(zh), "\n".join(en)


def procedure_changed(event: VersionPublished) -> int:
    """Write one published "procedure changed" post at each centre exercising the version's item on its
    effective date (adoptions not ended by then; a local item: its centre), dated at the start of that day
    (Asia/Shanghai). Bulk insert; idempotent per version and centre (a second call writes nothing). An
    item's first version is no change (its adoption says it is there). Returns how many posts were written."""
    if event.previous is None:
        return 0
    version = event.version
    centre_ids = set(Adoption.objects.filter(item_id=version.item_id).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=event.effective_on)).values_list("centre_id", flat=True))
    if not centre_ids:
        return 0
    already = set(Post.objects.filter(version=version).values_list("centre_id", flat=True))
    body_zh, body_en = _bodies(event)
    html_zh, html_en = text.render(body_zh), text.render(body_en)
    published_at = timezone.make_aware(dt.datetime.combine(event.effective_on, dt.time.min))
    rows = [Post(centre_id=pk, kind=PostKind.PROCEDURE_CHANGED, status=PostStatus.PUBLISHED,
                 published_at=published_at, item_id=version.item_id, version=version,
                 title_zh=f"办事指南变更：{version.name_zh}"[:200],
                 title_en=f"Procedure changed: {version.name_en}"[:300],
                 body_zh=body_zh, body_en=body_en, html_zh=html_zh, html_en=html_en)
            for pk in sorted(centre_ids - already)]
    return len(Post.objects.bulk_create(rows, ignore_conflicts=True))
