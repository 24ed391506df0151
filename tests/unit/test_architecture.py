"""The dependency rule: daemon/domain and parsers are pure (ARCHITECTURE.md, principle 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# I/O libraries and layers the pure core must never import.
FORBIDDEN_IMPORTS = {
    "sqlite3",
    "sqlite_utils",
    "imapclient",
    "imaplib",
    "aiosmtplib",
    "smtplib",
    "socket",
    "ssl",
    "jinja2",
    "requests",
    "urllib.request",
    "http",
    "subprocess",
    "asyncio",
    "shutil",
    "tempfile",
    "segno",
    "dkim",
    "publicsuffixlist",
    "daemon.adapters",
    "daemon.app",
    "daemon.cli",
    "daemon.cycle",
}
# Reading the clock or the environment.
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "today"),
    ("datetime", "utcnow"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
    ("os", "getenv"),
    ("os", "environ"),
    ("os", "getcwd"),
    ("random", "random"),
}


def pure_files() -> list[Path]:
    files = sorted((ROOT / "daemon" / "domain").rglob("*.py"))
    files += sorted((ROOT / "parsers").rglob("*.py"))
    return files


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(ROOT)
    problems = []
    for line, module in imported_modules(tree):
        for bad in FORBIDDEN_IMPORTS:
            if module == bad or module.startswith(bad + "."):
                problems.append(f"{rel}:{line} imports {module}")
        if rel.parts[0] == "parsers" and module.split(".")[0] == "daemon":
            problems.append(f"{rel}:{line} parsers must not import daemon ({module})")
        if module == "os" or module.startswith("os."):
            problems.append(f"{rel}:{line} imports os (environment and files are I/O)")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in FORBIDDEN_CALLS
        ):
            problems.append(f"{rel}:{node.lineno} uses {node.value.id}.{node.attr}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"open", "input", "print"}
        ):
            problems.append(f"{rel}:{node.lineno} calls {node.func.id}()")
    return problems


def test_pure_core_exists() -> None:
    assert len(pure_files()) > 5


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_module_does_no_io(path: Path) -> None:
    assert violations(path) == []


def test_checker_catches_a_violation(tmp_path: Path) -> None:
    """The rule above must be able to fail."""
    bad = ROOT / "daemon" / "domain" / "_probe_for_test.py"
    bad.write_text("import sqlite3\nfrom datetime import date\nx = date.today()\n")
    try:
        problems = violations(bad)
    finally:
        bad.unlink()
    assert any("sqlite3" in p for p in problems)
    assert any("date.today" in p for p in problems)
