"""Production's collectstatic: every file the pages load is there, hashed, and no source map
is served (none collected, no ``sourceMappingURL`` comment pointing to one)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from truyvet.settings import STORAGES

# The comment a browser follows to fetch a map (not the same words inside a bundle's code).
MAP_COMMENT = re.compile(rb"(?m)^(//|/\*)# sourceMappingURL=")
PRODUCTION_STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "truyvet.staticfiles.ProductionStaticFilesStorage"}}


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def test_a_production_collectstatic_serves_no_source_map(collected: Path) -> None:
    files = [path for path in collected.rglob("*") if path.is_file()]
    assert any(path.name.startswith("bootstrap.min.") and path.suffix == ".css" for path in files)
    assert [path for path in files if ".map" in path.suffixes] == []


def test_no_collected_file_points_to_a_source_map(collected: Path) -> None:
    manifest = collected / "staticfiles.json"
    hashed = [collected / name for name in json.loads(manifest.read_text())["paths"].values()]
    pointing = [
        str(path.relative_to(collected))
        for path in hashed
        if path.suffix in {".css", ".js"} and MAP_COMMENT.search(path.read_bytes())
    ]
    assert pointing == []


def test_the_unused_bootstrap_javascript_is_gone(collected: Path) -> None:
    assert not list(collected.rglob("bootstrap.bundle*"))
