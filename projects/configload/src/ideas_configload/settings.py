"""Settings merged from defaults, TOML, .env and the environment."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

ENV_PREFIX = "IDEAS_"


class ConfigError(ValueError):
    """A setting is missing, unknown or has a bad value."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every tunable of the pipeline, with defaults."""

    freshness_weight: float = 0.5
    length_weight: float = 0.2
    tag_weight: float = 0.3
    freshness_half_life_hours: float = 48.0
    feed_url: str = "https://ideas.example.com/api/ideas"
    rss_url: str = "https://ideas.example.com/feed.xml"
    request_timeout: float = 10.0
    max_ideas: int = 100
    focus_tags: tuple[str, ...] = field(default_factory=tuple)
    debug: bool = False

    def __post_init__(self) -> None:
        for name in ("freshness_weight", "length_weight", "tag_weight"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative")
        if self.freshness_weight + self.length_weight + self.tag_weight <= 0:
            raise ConfigError("at least one scoring weight must be positive")
        if self.freshness_half_life_hours <= 0:
            raise ConfigError("freshness_half_life_hours must be positive")
        if self.request_timeout <= 0:
            raise ConfigError("request_timeout must be positive")
        if self.max_ideas < 1:
            raise ConfigError("max_ideas must be at least 1")
        for name in ("feed_url", "rss_url"):
            if not getattr(self, name).startswith(("http://", "https://")):
                raise ConfigError(f"{name} must be an http(s) URL")


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("booleans are not numbers")
    return float(value)


def _to_int(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"not an integer: {value!r}")
    return int(value)


def _to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value.strip()


def _to_tags(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"not a list: {value!r}")
    return tuple(str(item).strip().lower() for item in items if str(item).strip())


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "freshness_weight": _to_float,
    "length_weight": _to_float,
    "tag_weight": _to_float,
    "freshness_half_life_hours": _to_float,
    "feed_url": _to_str,
    "rss_url": _to_str,
    "request_timeout": _to_float,
    "max_ideas": _to_int,
    "focus_tags": _to_tags,
    "debug": _to_bool,
}
_FIELD_NAMES = frozenset(f.name for f in fields(Settings))
if _CONVERTERS.keys() != _FIELD_NAMES:  # pragma: no cover - guards edits to Settings
    raise RuntimeError("every Settings field needs a converter")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    section = data.get("ideas", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [ideas] must be a table")
    unknown = set(section) - _FIELD_NAMES
    if unknown:
        raise ConfigError(f"{path}: unknown settings: {', '.join(sorted(unknown))}")
    return dict(section)


def _from_prefixed(values: Mapping[str, str | None]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or not key.upper().startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name in _FIELD_NAMES:
            result[name] = value
    return result


def load_settings(
    toml_path: Path | str | None = None,
    env_file: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build settings; later layers win: defaults < TOML < .env < environment.

    Missing files are skipped. ``environ`` defaults to ``os.environ``; only
    variables starting with ``IDEAS_`` are read from it and from the .env file.
    """
    layers: list[tuple[str, dict[str, Any]]] = []
    if toml_path is not None and Path(toml_path).is_file():
        layers.append((str(toml_path), _read_toml(Path(toml_path))))
    if env_file is not None and Path(env_file).is_file():
        layers.append((str(env_file), _from_prefixed(dotenv_values(env_file))))
    env = os.environ if environ is None else environ
    layers.append(("environment", _from_prefixed(env)))

    merged: dict[str, Any] = {}
    for origin, values in layers:
        for name, raw in values.items():
            try:
                merged[name] = _CONVERTERS[name](raw)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{name} from {origin}: {exc}") from exc
    return Settings(**merged)
