"""Issue 12 item 12: ``make run`` is calm. The command line's logging keeps fontTools' subsetting and
Alembic's per-migration INFO lines out of the output (warnings still show), and the package metadata uses
the SPDX licence string, so setuptools prints no deprecation block while installing."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import logging
from yiwang.cli import configure_logging
configure_logging()
logging.getLogger("fontTools.subset").info("maxp pruned")
logging.getLogger("fontTools.ttLib.ttFont").info("glyf subsetted")
logging.getLogger("alembic.runtime.migration").info("Running upgrade 0001 -> 0002")
logging.getLogger("fontTools.subset").warning("a real problem")
logging.getLogger("yiwang.jobs").info("licence issued")
"""


def test_item12_no_font_subsetting_or_migration_info_lines() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True,
                         timeout=60)
    text = out.stdout + out.stderr
    assert "maxp pruned" not in text and "glyf subsetted" not in text and "Running upgrade" not in text
    assert "a real problem" in text and "licence issued" in text


def test_item12_licence_metadata_is_an_spdx_string() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["license"] == "MIT"  # a TOML table makes setuptools print a deprecation block
    requires = meta["build-system"]["requires"]
    assert any(r.replace(" ", "").startswith("setuptools>=") and int(r.split(">=")[1].split(".")[0]) >= 77
               for r in requires)
