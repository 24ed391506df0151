"""pyproject.toml lists the packages by hand (the templates folder is mapped into the
package, which find() cannot discover): a package missing from the list would be missing
from the wheel. And from the source tree the templates are found where they are."""

from __future__ import annotations

import tomllib
from pathlib import Path

from daemon.adapters.templates import templates_dir
from daemon.app.preflight import template_problems
from daemon.config import Config

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_in_the_tree_is_in_the_wheel() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("daemon", "parsers")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == found | {"daemon.templates"}
    assert setuptools["package-dir"] == {"daemon.templates": "templates"}
    assert "*.j2" in setuptools["package-data"]["daemon.templates"]
    # The column-mapping presets are read with importlib.resources from the package.
    assert "mappings/*.toml" in setuptools["package-data"]["parsers"]
    assert list((ROOT / "parsers" / "mappings").glob("*.toml"))


def test_templates_are_found_in_the_source_tree() -> None:
    assert templates_dir() == ROOT / "templates"
    assert template_problems(Config()) == []
