"""Turn a parsed TOML table into frozen dataclasses, with errors that name the key and line.

The dataclasses in daemon.config are the schema: every field's type annotation says what the
TOML may hold. Unknown keys and wrong types are errors such as
``imap.port: expected an integer, got 'abc' (config.toml line 12)``.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin


class ConfigError(ValueError):
    """A configuration problem, phrased so that the user knows which key to fix.

    ``problems`` holds every problem found in one pass (one line each, with key and line);
    the message lists them all, so one run of check-config shows everything to fix."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[str, ...] = problems or (message,)

    @classmethod
    def of(cls, problems: list[str]) -> ConfigError:
        unique = tuple(dict.fromkeys(problems))
        if len(unique) == 1:
            return cls(unique[0])
        return cls(f"{len(unique)} problems in the configuration:\n" + "\n".join(unique), unique)


class _Recorded(Exception):
    """A value could not be built; its problems are already in the list."""


class KeyLocator:
    """Finds the line of a dotted key in TOML text (tomllib does not report positions)."""

    _table = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
    _key = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")

    def __init__(self, text: str, filename: str) -> None:
        self.filename = filename
        self._lines: dict[str, int] = {}
        table = ""
        for number, line in enumerate(text.splitlines(), start=1):
            if m := self._table.match(line):
                table = self._clean(m.group(1))
                self._lines.setdefault(table, number)
                continue
            if m := self._key.match(line):
                key = self._clean(m.group(1))
                self._lines.setdefault(f"{table}.{key}" if table else key, number)

    @staticmethod
    def _clean(dotted: str) -> str:
        return ".".join(part.strip().strip("\"'") for part in dotted.split("."))

    def where(self, path: str) -> str:
        probe = re.sub(r"\[\d+\]", "", path)
        while probe:
            if probe in self._lines:
                return f" ({self.filename} line {self._lines[probe]})"
            probe = probe.rpartition(".")[0]
        return f" ({self.filename})" if self.filename else ""


_TYPE_WORDS = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
}


def describe(tp: Any) -> str:
    if tp in _TYPE_WORDS:
        return _TYPE_WORDS[tp]
    origin = get_origin(tp)
    if origin in (list, tuple):
        return "a list"
    if origin in (dict, Mapping):
        return "a table"
    if dataclasses.is_dataclass(tp):
        return "a table"
    return str(tp)


def build(
    cls: type[Any],
    data: Mapping[str, Any],
    path: str,
    loc: KeyLocator,
    problems: list[str] | None = None,
) -> Any:
    """Build dataclass ``cls`` from ``data``; ``path`` is the dotted key of the table.

    Every problem is collected before anything is raised: with ``problems`` given they are
    appended there (the caller raises), else one ConfigError lists them all."""
    collected: list[str] = [] if problems is None else problems
    try:
        result = _build(cls, data, path, loc, collected)
    except _Recorded:
        result = None
    if problems is None and collected:
        raise ConfigError.of(collected)
    return result


def _build(
    cls: type[Any], data: Mapping[str, Any], path: str, loc: KeyLocator, problems: list[str]
) -> Any:
    if not isinstance(data, Mapping):
        problems.append(f"{path}: expected a table{loc.where(path)}")
        raise _Recorded
    hints = typing.get_type_hints(cls)
    # Fields marked metadata={"toml": False} are filled by the program, never by the file.
    fields = {f.name: f for f in dataclasses.fields(cls) if f.metadata.get("toml", True)}
    forbidden = getattr(cls, "_forbidden", {})
    known = ", ".join(sorted(n for n in fields if n not in forbidden))
    values: dict[str, Any] = {}
    failed = False
    for name, value in data.items():
        key = f"{path}.{name}" if path else name
        if name in forbidden:
            problems.append(f"{key}: {forbidden[name]}{loc.where(key)}")
        elif name not in fields:
            problems.append(f"{key}: unknown key (known keys here: {known}){loc.where(key)}")
        else:
            try:
                values[name] = convert(hints[name], value, key, loc, problems)
            except ConfigError as exc:
                problems.extend(exc.problems)
                failed = True
            except _Recorded:
                failed = True
    missing = [
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in data
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    for name in missing:
        key = f"{path}.{name}" if path else name
        problems.append(f"{key}: required key is missing{loc.where(path)}")
    if failed or missing:
        raise _Recorded
    try:
        return cls(**values)
    except ValueError as exc:  # __post_init__ validation: "field: message" names the key
        name, sep, message = str(exc).partition(": ")
        if sep and name in fields:
            key = f"{path}.{name}" if path else name
            problems.append(f"{key}: {message}{loc.where(key)}")
        else:
            problems.append(f"{path}: {exc}{loc.where(path)}")
        raise _Recorded from exc


def convert(
    tp: Any, value: Any, key: str, loc: KeyLocator, problems: list[str] | None = None
) -> Any:
    """One TOML value as type ``tp``; nested tables append their problems to ``problems``."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        errors = []
        for option in options:
            try:
                return convert(option, value, key, loc)
            except ConfigError as exc:
                errors.append(exc)
        raise errors[0]
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if problems is None:
            return build(tp, value, key, loc)
        return _build(tp, value, key, loc, problems)
    if origin is tuple:
        if not isinstance(value, list):
            raise _wrong(tp, value, key, loc)
        args = get_args(tp)
        item = args[0] if args else Any
        items, failed = [], False
        for i, v in enumerate(value):
            try:
                items.append(convert(item, v, f"{key}[{i}]", loc, problems))
            except ConfigError as exc:
                if problems is None:
                    raise
                problems.extend(exc.problems)
                failed = True
            except _Recorded:
                failed = True
        if failed:
            raise _Recorded
        return tuple(items)
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise _wrong(tp, value, key, loc)
        args = get_args(tp)
        item = args[1] if len(args) == 2 else Any
        return types.MappingProxyType(
            {k: convert(item, v, f"{key}.{k}", loc) for k, v in value.items()}
        )
    if origin is typing.Literal:
        allowed = get_args(tp)
        if value not in allowed:
            choices = ", ".join(repr(a) for a in allowed)
            raise ConfigError(f"{key}: expected one of {choices}, got {value!r}{loc.where(key)}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise _wrong(tp, value, key, loc)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(tp, value, key, loc)
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(tp, value, key, loc)
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise _wrong(tp, value, key, loc)
        return value
    raise ConfigError(f"{key}: unsupported type {tp!r}{loc.where(key)}")


def _wrong(tp: Any, value: Any, key: str, loc: KeyLocator) -> ConfigError:
    return ConfigError(f"{key}: expected {describe(tp)}, got {value!r}{loc.where(key)}")
