"""What the catalogue announces to the apps above it (typed hooks, common.hooks): they register listeners
in their `AppConfig.ready`, and `catalog` imports none of them.

- `version_published`: an item version (事项版本) was published, or its effective date came and it became
  the item's current version (the daily `catalog.refresh_current_versions`). Sent inside the catalogue's
  transaction, so a listener's rows commit or roll back with the change; it may be sent twice for one
  version (at publication and again when it becomes current): listeners are idempotent. The news app
  writes a "procedure changed" post (办事指南变更) at every centre that has adopted the item.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from catalog.models import ItemVersion
from common.hooks import Hook


@dataclass(frozen=True)
class VersionPublished:
    """`version` (published) of its item takes effect on `effective_on` (its `effective_from`); `previous`
    is the version it follows (the latest published or archived one with a lower number), None for an
    item's first version. `became_current`: it is the item's current version now."""

    version: ItemVersion
    previous: ItemVersion | None
    effective_on: dt.date
    became_current: bool


version_published: Hook[VersionPublished] = Hook("version_published")
