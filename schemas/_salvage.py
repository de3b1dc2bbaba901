"""Turning pydantic's errors into wire paths, and setting malformed fields aside.

``parse_request`` reports every malformed field, then validates again without them (or with a
stand-in for a required one) so that the API rules can still run on everything else. Copies
are made only along the paths that change: the caller's data is never modified, and a huge body
with one bad field costs one shallow copy per level, not a deep copy.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import AliasChoices, BaseModel

from schemas.errors import Violation

Loc = tuple[int | str, ...]


def spellings(models: Iterable[type[BaseModel]]) -> dict[str, str]:
    """Every accepted input name of every field (attribute, wire name, SDK spelling) -> wire name.

    The same spelling must mean the same wire name in every model; that holds for this API
    (``type`` is ``Type`` everywhere) and is checked here, once, at import.
    """
    table: dict[str, str] = {}
    for model in models:
        for attr, info in model.model_fields.items():
            wire = str(info.serialization_alias or info.alias)
            names = {attr, wire}
            if isinstance(info.validation_alias, AliasChoices):
                names.update(str(choice) for choice in info.validation_alias.choices)
            for name in names:
                if table.setdefault(name, wire) != wire:
                    raise RuntimeError(f"{name!r} means both {table[name]!r} and {wire!r}")
    return table


def wire_path(loc: Loc, names: Mapping[str, str]) -> str:
    """``('port_ranges', 0, 'from_port')`` -> ``'PortRanges.1.FromPort'`` (indices from 1)."""
    return ".".join(
        str(part + 1) if isinstance(part, int) else names.get(part, part) for part in loc
    )


def not_under(violations: Sequence[Violation], paths: Sequence[str]) -> list[Violation]:
    """Drop the violations at, or inside, a path already reported (a set-aside field)."""
    if not paths:
        return list(violations)
    exact = set(paths)
    prefixes = tuple(f"{path}." for path in paths if path)
    return [
        v
        for v in violations
        if v.path not in exact and not (prefixes and v.path.startswith(prefixes))
    ]


def prune(
    data: dict[Any, Any],
    locs: Iterable[Loc],
    names: Mapping[str, str],
    placeholders: Mapping[str, object],
    *,
    whole_field: bool,
) -> tuple[dict[Any, Any], set[str]]:
    """``data`` without what each error points at, and the top-level fields gone as a whole.

    A dict entry is removed; a list item becomes ``{}`` (every nested model validates empty).
    A top-level field that goes as a whole is removed, or replaced by its stand-in when it is
    required. With ``whole_field`` (a later pass, when leaves were not enough) every top-level
    field with an error goes as a whole.
    """
    root = dict(data)
    fresh = {id(root)}
    gone: set[str] = set()
    for loc in locs:
        if not loc:
            continue
        top = names.get(str(loc[0]), str(loc[0]))
        if whole_field or len(loc) == 1:
            _replace(root, top, names, placeholders.get(top, _DROP))
            gone.add(top)
        else:
            _drop_at(root, loc, names, fresh)
    return root, gone


_DROP = object()


def _keys(node: dict[Any, Any], part: int | str, names: Mapping[str, str]) -> list[Any]:
    wire = names.get(str(part), part)
    return [key for key in node if key == part or (isinstance(key, str) and names.get(key) == wire)]


def _replace(root: dict[Any, Any], wire: str, names: Mapping[str, str], value: object) -> None:
    for key in _keys(root, wire, names):
        del root[key]
    if value is not _DROP:
        root[wire] = copy.copy(value)


def _drop_at(root: dict[Any, Any], loc: Loc, names: Mapping[str, str], fresh: set[int]) -> None:
    node: Any = root
    for part in loc[:-1]:
        node = _child(node, part, names, fresh)
        if node is None:
            return
    last = loc[-1]
    if isinstance(node, dict):
        for key in _keys(node, last, names):
            del node[key]
    elif isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        node[last] = {}


def _child(node: Any, part: int | str, names: Mapping[str, str], fresh: set[int]) -> Any:
    """The container at ``node[part]``, copied into ``node`` first unless already a copy."""
    if isinstance(node, dict):
        keys = _keys(node, part, names)
        if not keys:
            return None
        key = keys[0]
    elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        key = part
    else:
        return None
    child = node[key]
    if isinstance(child, dict | list) and id(child) not in fresh:
        child = dict(child) if isinstance(child, dict) else list(child)
        fresh.add(id(child))
        node[key] = child
    return child if isinstance(child, dict | list) else None
