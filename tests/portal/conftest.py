"""Each test wipes the database: forget the in-process search index and the portal's listing."""

from __future__ import annotations

import pytest

from yiwang.catalog import searching
from yiwang.portal import service as portal


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    searching.reset()
    portal.reset()
