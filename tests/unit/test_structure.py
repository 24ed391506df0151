"""The shape of the code (issue #14; ARCHITECTURE.md): rules that keep it so.

* All SQL lives in ``daemon/adapters/store/``. A file outside it that still holds SQL is
  named in ``SQL_NOT_YET_MOVED`` with its count; the count may only go down. New SQL
  anywhere else fails with its file and line.
* No import cycles among ``daemon`` and ``parsers`` modules, also not through a function-level
  or ``TYPE_CHECKING`` import (a lazy import hides a cycle; it does not remove it).
* One owner of ladder state: only ``daemon/adapters/store/ladder_state.py`` writes an
  invoice's ladder columns (daemon/domain/ladder_state.py); any other writer fails with its
  file and line.
* One composer of outgoing mail: only ``daemon/app/mail_composer.py`` renders a mail
  template into an ``OutgoingMail``; any other module that builds one or renders a template
  fails with its file and line (``COMPOSING_NOT_YET_MOVED`` names what is left).
* The dependency rule: the domain imports no shell (app, adapters, cli, cycle, config I/O);
  parsers import nothing from ``daemon``; adapters import neither app nor cli; the CLI calls
  use cases, not the store.

Each failure names the offending file and line. The allowlists below are the honest list of
what is not yet moved; ARCHITECTURE.md ("Not yet moved") says the same.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORE = "daemon/adapters/store/"

# Files outside the store that still hold SQL, and how many statements (a SQL string literal,
# or an ``.execute(...)`` whose SQL is not a literal in the call). Shrink these; never grow
# them, never add a file. Empty since #14: every statement is in the store.
SQL_NOT_YET_MOVED: dict[str, int] = {}

# Import edges that break the dependency rule and are not yet undone: (file, imported module).
# Empty since #14: the CLI's listings are use cases in daemon/app/listings.py.
DEPENDENCY_NOT_YET_FIXED: set[tuple[str, str]] = set()

# Import cycles not yet broken, each as the sorted tuple of its modules.
CYCLES_NOT_YET_BROKEN: set[tuple[str, ...]] = set()

_SQL = re.compile(
    r"\bSELECT\b[\s\S]*?\bFROM\b"
    r"|\bINSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\b"
    r"|\bREPLACE\s+INTO\b"
    r"|\bUPDATE\s+[A-Za-z_]\w*\s+SET\b"
    r"|\bDELETE\s+FROM\b"
    r"|\b(?:CREATE|DROP|ALTER)\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\b"
    r"|\bPRAGMA\s+\w+"
)
_EXECUTE = {"execute", "executemany", "executescript"}


def source_files() -> list[Path]:
    return sorted([*(ROOT / "daemon").rglob("*.py"), *(ROOT / "parsers").rglob("*.py")])


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@cache
def tree_of(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# --- SQL ---------------------------------------------------------------------------------------


def _literal(node: ast.AST) -> str | None:
    """The text of a string literal; an f-string's holes read as a placeholder."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else " x " for v in node.values)
    return None


def _is_sql(node: ast.AST) -> bool:
    text = _literal(node)
    return text is not None and _SQL.search(text) is not None


def sql_sites(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for each SQL statement in a module."""
    inside_fstrings = {
        id(part) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for part in n.values
    }
    sites: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in inside_fstrings:
            continue
        if _is_sql(node):
            text = " ".join((_literal(node) or "").split())
            sites.append((node.lineno, f"SQL {text[:60]!r}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _EXECUTE
            and not any(_is_sql(arg) for arg in node.args)
        ):
            sites.append((node.lineno, f".{node.func.attr}() outside the store"))
    return sorted(sites)


def sql_outside_store() -> dict[str, list[tuple[int, str]]]:
    found = {}
    for path in source_files():
        name = rel(path)
        if name.startswith(STORE):
            continue
        sites = sql_sites(tree_of(path))
        if sites:
            found[name] = sites
    return found


def sql_problems(found: dict[str, list[tuple[int, str]]], allowed: dict[str, int]) -> list[str]:
    problems = []
    for name, sites in sorted(found.items()):
        budget = allowed.get(name, 0)
        if len(sites) > budget:
            lines = "\n".join(f"  {name}:{line}: {what}" for line, what in sites)
            problems.append(
                f"{name} holds {len(sites)} SQL statement(s), allowed {budget}; SQL belongs in"
                f" {STORE} (add a function there and call it):\n{lines}"
            )
    return problems


def test_no_sql_outside_the_store() -> None:
    problems = sql_problems(sql_outside_store(), SQL_NOT_YET_MOVED)
    assert not problems, "\n".join(problems)


def test_sql_allowlist_only_shrinks() -> None:
    """An entry that has more room than it uses is lowered, so the room cannot be refilled."""
    found = sql_outside_store()
    stale = [
        f"{name}: allowed {budget}, holds {len(found.get(name, []))} — lower the entry"
        for name, budget in SQL_NOT_YET_MOVED.items()
        if len(found.get(name, [])) != budget
    ]
    assert not stale, "\n".join(stale)


def test_architecture_lists_what_is_not_yet_moved() -> None:
    """ARCHITECTURE.md's "Not yet moved" table says the same as the allowlist."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    listed = {
        name: int(count)
        for name, count in re.findall(r"^\| `([\w/.]+\.py)` \| (\d+) \|", text, re.MULTILINE)
    }
    assert listed == SQL_NOT_YET_MOVED


def test_sql_check_can_fail() -> None:
    probe = ast.parse(
        'def f(store):\n    store.execute(sql)\n    return store.one(f"SELECT a FROM {t}")\n'
        'X = "UPDATE invoices SET status = ?"\nY = "Select the file to import from the list"\n'
    )
    lines = [line for line, _ in sql_sites(probe)]
    assert lines == [2, 3, 4]
    problems = sql_problems({"daemon/app/new.py": sql_sites(probe)}, {})
    assert "daemon/app/new.py:2" in problems[0] and "daemon/app/new.py:4" in problems[0]


# --- one owner of ladder state ----------------------------------------------------------------

_SETS = re.compile(
    r"\b(?:UPDATE\s+invoices\s+SET|INSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\s+invoices)\b"
    r"([\s\S]*)",
    re.IGNORECASE,
)


def ladder_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, column) for each SQL literal that writes a ladder column of ``invoices``."""
    from daemon.domain.ladder_state import LADDER_COLUMNS

    found = []
    for node in ast.walk(tree):
        match = _SETS.search(_literal(node) or "")
        if match is None:
            continue
        assigned = match.group(1).split(" WHERE ")[0]
        for column in LADDER_COLUMNS:
            if re.search(rf"\b{column}\b\s*(=|,|\))", assigned):
                found.append((node.lineno, column))
    return sorted(found)


def ladder_problems(trees: dict[str, ast.AST], owner: str) -> list[str]:
    return [
        f"{name}:{line} writes invoices.{column}; only {owner} changes ladder state"
        f" (call it, see daemon/domain/ladder_state.py)"
        for name, tree in sorted(trees.items())
        if name != owner
        for line, column in ladder_writes(tree)
    ]


def test_one_owner_of_ladder_state() -> None:
    from daemon.domain.ladder_state import OWNER

    problems = ladder_problems({rel(p): tree_of(p) for p in source_files()}, OWNER)
    assert not problems, "\n".join(problems)
    assert ladder_writes(tree_of(ROOT / OWNER)), "the owner writes the ladder state"


def test_ladder_check_can_fail() -> None:
    probe = ast.parse(
        'A = "UPDATE invoices SET status = ? WHERE dunning_step = ?"\n'
        'B = "UPDATE invoices SET last_step_date = ?, updated_at = ? WHERE number = ?"\n'
        'C = (\n    "UPDATE invoices SET paid_cents = ?,"\n    " formal_notice_date = NULL"\n)\n'
    )
    assert ladder_problems({"daemon/app/x.py": probe}, "owner.py") == [
        "daemon/app/x.py:2 writes invoices.last_step_date; only owner.py changes ladder state"
        " (call it, see daemon/domain/ladder_state.py)",
        "daemon/app/x.py:4 writes invoices.formal_notice_date; only owner.py changes ladder state"
        " (call it, see daemon/domain/ladder_state.py)",
    ]


# --- one composer of outgoing mail -------------------------------------------------------------

COMPOSER = "daemon/app/mail_composer.py"
TEMPLATES = "daemon.adapters.templates"

# Modules that still render a template or build an OutgoingMail themselves: (file) → why.
# Shrink it; never add a file.
COMPOSING_NOT_YET_MOVED: dict[str, str] = {
    # The paper letter renders the reminder's prose from the same context (context_for), but
    # into a Letter, not a mail.
    "daemon/app/letters.py": "the paper letter's prose, not a mail",
}


def composing_sites(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for each template render import and each OutgoingMail(...) built."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == TEMPLATES:
            if any(alias.name == "render" for alias in node.names):
                found.append((node.lineno, f"imports render from {TEMPLATES}"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "OutgoingMail":
                found.append((node.lineno, "builds an OutgoingMail"))
    return sorted(found)


def composing_problems(trees: dict[str, ast.AST], allowed: dict[str, str]) -> list[str]:
    return [
        f"{name}:{line} {what}; outgoing mail is composed in {COMPOSER}"
        " (mail_context + compose_mail)"
        for name, tree in sorted(trees.items())
        if name != COMPOSER and name not in allowed
        for line, what in composing_sites(tree)
    ]


def test_one_composer_of_outgoing_mail() -> None:
    trees = {rel(p): tree_of(p) for p in source_files() if not rel(p).startswith("parsers/")}
    problems = composing_problems(trees, COMPOSING_NOT_YET_MOVED)
    assert not problems, "\n".join(problems)
    still = {name for name in COMPOSING_NOT_YET_MOVED if composing_sites(trees[name])}
    assert still == set(COMPOSING_NOT_YET_MOVED), "composes no more: drop it from the list"


def test_composer_check_can_fail() -> None:
    probe = ast.parse(
        "from daemon.adapters.templates import render\n"
        "def f():\n    return mailout.OutgoingMail(kind='x')\n"
    )
    assert composing_problems({"daemon/app/x.py": probe}, {}) == [
        f"daemon/app/x.py:1 imports render from {TEMPLATES}; outgoing mail is composed in"
        f" {COMPOSER} (mail_context + compose_mail)",
        f"daemon/app/x.py:3 builds an OutgoingMail; outgoing mail is composed in {COMPOSER}"
        " (mail_context + compose_mail)",
    ]


# --- imports -----------------------------------------------------------------------------------


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in source_files():
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _known(name: str) -> str | None:
    """The project module that ``name`` (a module, or a name in one) is defined in."""
    mods = modules()
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> Iterator[tuple[int, str]]:
    """(line, project module) for every import in ``module``, at any depth of the file."""
    path = modules()[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(tree_of(path)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                head = package[: len(package) - (node.level - 1)]
                base = ".".join([*head, base] if base else head)
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _known(name)
            if target is not None and target != module:
                yield node.lineno, target


def import_graph() -> dict[str, dict[str, int]]:
    graph: dict[str, dict[str, int]] = {}
    for module in modules():
        edges: dict[str, int] = {}
        for line, target in imports_of(module):
            edges.setdefault(target, line)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(_loop(graph, sorted(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _loop(graph: dict[str, dict[str, int]], component: list[str]) -> list[str]:
    """One closed path through a component, starting at its first module (for the message)."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node]):
            if nxt == start:
                return [*paths[node], start]
            if nxt in members and nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return component


def describe(graph: dict[str, dict[str, int]], loop: list[str]) -> str:
    steps = [
        f"  {rel(modules()[a])}:{graph[a][b]} imports {b}" for a, b in itertools.pairwise(loop)
    ]
    return "import cycle " + " -> ".join(loop) + "\n" + "\n".join(steps)


def test_no_import_cycles() -> None:
    graph = import_graph()
    found = [c for c in cycles(graph) if tuple(sorted(set(c))) not in CYCLES_NOT_YET_BROKEN]
    assert not found, "\n".join(describe(graph, c) for c in found)


def test_cycle_allowlist_only_shrinks() -> None:
    present = {tuple(sorted(set(c))) for c in cycles(import_graph())}
    assert present >= CYCLES_NOT_YET_BROKEN, f"broken now: {CYCLES_NOT_YET_BROKEN - present}"


def test_cycle_check_can_fail() -> None:
    graph = {"a": {"b": 3}, "b": {"c": 5}, "c": {"a": 7}, "d": {"a": 1}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


# --- the dependency rule -----------------------------------------------------------------------

# (room, forbidden prefixes, why). A room is a module prefix.
# The CLI may open the database (daemon.adapters.store.db: the connection and its type) to hand
# it to a use case; everything else in the store is reached through daemon/app.
CLI_MAY_OPEN = "daemon.adapters.store.db"
RULES: list[tuple[str, tuple[str, ...], str]] = [
    (
        "daemon.domain",
        (
            "daemon.app",
            "daemon.adapters",
            "daemon.cli",
            "daemon.cycle",
            "daemon.config",
            "daemon.credentials",
            "daemon.demo",
        ),
        "the domain is pure: values in, decisions out",
    ),
    ("parsers", ("daemon",), "parsers know formats, not the service"),
    ("daemon.adapters", ("daemon.app", "daemon.cli", "daemon.cycle"), "adapters are thin"),
    ("daemon.app", ("daemon.cli", "daemon.cycle"), "use cases do not call their callers"),
    ("daemon.cli", ("daemon.adapters.store",), "the CLI calls use cases, never the store"),
]


def _in(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def dependency_problems(
    graph_edges: dict[str, list[tuple[int, str]]], allowed: set[tuple[str, str]]
) -> list[str]:
    problems = []
    for module, edges in sorted(graph_edges.items()):
        for room, forbidden, why in RULES:
            if not _in(module, room):
                continue
            for line, target in edges:
                if target == CLI_MAY_OPEN and room == "daemon.cli":
                    continue
                if any(_in(target, bad) for bad in forbidden):
                    name = rel(modules()[module]) if module in modules() else module
                    if (name, target) not in allowed:
                        problems.append(f"{name}:{line} imports {target} ({room}: {why})")
    return problems


def test_dependency_rule() -> None:
    edges = {m: sorted(set(imports_of(m))) for m in modules()}
    problems = dependency_problems(edges, DEPENDENCY_NOT_YET_FIXED)
    assert not problems, "\n".join(problems)


def test_dependency_allowlist_only_shrinks() -> None:
    edges = {(rel(modules()[m]), target) for m in modules() for _, target in imports_of(m)}
    assert edges >= DEPENDENCY_NOT_YET_FIXED, f"fixed now: {DEPENDENCY_NOT_YET_FIXED - edges}"


def test_dependency_check_can_fail() -> None:
    edges = {
        "daemon.cli.queue": [(12, "daemon.adapters.store.queue")],
        "daemon.domain.model": [(3, "daemon.config")],
    }
    problems = dependency_problems(edges, set())
    assert problems == [
        "daemon/cli/queue.py:12 imports daemon.adapters.store.queue"
        " (daemon.cli: the CLI calls use cases, never the store)",
        "daemon/domain/model.py:3 imports daemon.config"
        " (daemon.domain: the domain is pure: values in, decisions out)",
    ]
