"""Portal test data: published items with real-looking names from the Guangdong catalog."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from tests.catalog import factories as cf


def item(session: Session, name: str, **over: Any) -> str:
    """Publish an item named ``name`` (no source themes unless given) and return its code."""
    over.setdefault("themes", [])
    return cf.published(session, name=name, **over)


def listed_names(html: str) -> list[str]:
    """Item names of a result list, in page order."""
    return re.findall(r'<h3><a href="/items/[^"]+">([^<]+)</a></h3>', html)


def theme_count(html: str, name: str) -> int | None:
    m = re.search(r'class="theme-name">' + re.escape(name) + r'</span> <span class="count">(\d+)', html)
    return int(m.group(1)) if m else None
