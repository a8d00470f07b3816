"""The judge answer's JSON schema: the default label schema and a strict validator.

Only the subset of JSON Schema a label needs (``type``, ``properties``, ``required``,
``additionalProperties``, ``minimum``/``maximum``, ``enum``, ``minLength``/``maxLength``);
a prompt whose schema uses anything else is refused when it is loaded, so no keyword is
silently ignored. Types are strict: a boolean is ``true``/``false``, an integer is a
number with no fractional part (``2.0`` counts, as in JSON Schema; ``true`` does not).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from traceanalysis.errors import InputError

_SNIPPET = 80

DEFAULT_LABEL_SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "justification": {"type": "string"},
        "present": {"type": "boolean"},
        "count": {"type": "integer", "minimum": 0},
    },
    "required": ["justification", "present", "count"],
    "additionalProperties": False,
}
_KEYWORDS = frozenset(
    {"type", "properties", "required", "additionalProperties", "minimum", "maximum", "enum",
     "minLength", "maxLength", "description", "title"}
)  # fmt: skip


def snippet(text: object) -> str:
    """A short quoted excerpt of ``text`` for error messages."""
    s = text if isinstance(text, str) else repr(text)
    s = " ".join(s.split())
    return repr(s if len(s) <= _SNIPPET else s[:_SNIPPET] + "...")


def shown_value(value: object) -> str:
    """A decoded JSON value as JSON text, cut to a short length, for error messages."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "..."


def validate(value: object, schema: Mapping[str, object], where: str = "answer") -> list[str]:
    """Problems of ``value`` under ``schema`` (the subset of JSON Schema in _KEYWORDS)."""
    problems: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        names = [kinds] if isinstance(kinds, str) else list(kinds)  # type: ignore[arg-type]
        if not any(_has_type(value, str(k)) for k in names):
            return [f"{where} must be {' or '.join(map(str, names))}, got {shown_value(value)}"]
    if "enum" in schema and value not in schema["enum"]:  # type: ignore[operator]
        problems.append(f"{where} must be one of {schema['enum']}, got {shown_value(value)}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:  # type: ignore[operator]
            problems.append(f"{where} must be >= {schema['minimum']}, got {value}")
        if "maximum" in schema and value > schema["maximum"]:  # type: ignore[operator]
            problems.append(f"{where} must be <= {schema['maximum']}, got {value}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:  # type: ignore[operator]
            problems.append(f"{where} is shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:  # type: ignore[operator]
            problems.append(f"{where} is longer than {schema['maxLength']} characters")
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        assert isinstance(properties, dict)
        missing = [k for k in schema.get("required") or [] if k not in value]  # type: ignore[union-attr]
        if missing:
            problems.append(f"{where} lacks required key(s) {missing}")
        extra = sorted(str(k) for k in value if k not in properties)
        if extra and schema.get("additionalProperties") is False:
            problems.append(f"{where} has unexpected key(s) {extra}")
        for key, sub in properties.items():
            if key in value:
                problems.extend(validate(value[key], sub, f'"{key}"'))
    return problems


def check_label_schema(schema: Mapping[str, object], where: str) -> None:
    """InputError unless ``schema`` uses only supported keywords and declares a label.

    A label schema is an object schema whose required ``present`` is a boolean and
    whose required ``count`` is an integer.
    """

    def keywords(node: object, path: str) -> None:
        if not isinstance(node, dict):
            raise InputError(f"judge prompt schema: {path} is not an object", file=where)
        unknown = sorted(set(node) - _KEYWORDS)
        if unknown:
            raise InputError(
                f"judge prompt schema: unsupported keyword(s) {unknown} at {path} "
                f"(supported: {sorted(_KEYWORDS)})",
                file=where,
            )
        for key, sub in (node.get("properties") or {}).items():
            keywords(sub, f"{path}.{key}")

    keywords(schema, "schema")
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])  # type: ignore[arg-type]
    assert isinstance(properties, dict)
    for key, kind in (("present", "boolean"), ("count", "integer")):
        if properties.get(key, {}).get("type") != kind or key not in required:
            raise InputError(
                f"judge prompt schema: {key!r} must be a required property of type {kind}",
                file=where,
            )


def _has_type(value: object, kind: str) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return is_integer(value)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    return kind == "null" and value is None


def is_integer(value: object) -> bool:
    """An integer as JSON Schema counts one: no fractional part (``2.0`` is 2), not a bool."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
