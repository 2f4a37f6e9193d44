"""JSON from outside, parsed within limits: size and nesting checked before parsing, and the
non-standard constants NaN and Infinity refused.

Python's parser recurses once a nesting level, so ``[`` × 100,000 raises RecursionError (a 500)
and a large body costs memory before anything looks at it; both are refused here first with a
message a person understands.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
MAX_BYTES = 2_000_000
_STRING = re.compile(r'"(?:\\.|[^"\\])*"')


class JSONRejected(ValueError):
    """The text is not JSON this service accepts; the message says why."""


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (strings ignored), without parsing."""
    deepest = level = 0
    for ch in _STRING.sub("", text):
        if ch in "[{":
            level += 1
            deepest = max(deepest, level)
        elif ch in "]}":
            level -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise JSONRejected(f"JSON 中不允许 {name} / {name} is not allowed in JSON")


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """Parse ``text`` or raise :class:`JSONRejected` (too large, too deep, NaN/Infinity, not
    JSON)."""
    if isinstance(text, bytes | bytearray):
        if len(text) > max_bytes:
            raise JSONRejected(f"JSON 过大（超过 {max_bytes} 字节）/ the JSON is too large")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JSONRejected("JSON 须为 UTF-8 文本 / JSON must be UTF-8 text") from None
    if len(text) > max_bytes:
        raise JSONRejected(f"JSON 过大（超过 {max_bytes} 字节）/ the JSON is too large")
    if depth(text) > max_depth:
        raise JSONRejected(f"JSON 嵌套过深（超过 {max_depth} 层）/ the JSON is nested too deeply")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except JSONRejected:
        raise
    except json.JSONDecodeError as exc:
        raise JSONRejected(f"不是有效的 JSON / not valid JSON: {exc.msg}") from None
