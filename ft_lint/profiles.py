"""Provider profiles (``profiles.toml``): what a provider's own validator checks beyond the schema.

The schemas say what each format allows as OpenAI publishes it; Together and Mistral take the
same shapes and validate them more strictly. A profile holds those differences as data, and the
rules that check them (FT102, FT113, FT114-FT117) read the profile of the provider of the model
the file is checked against: a named model, or the assumed default where it trains on the
file's format (`ModelChoice.limits_model`). With no model, or a provider with no profile, every
setting keeps the schema's behaviour.

Another provider's rules plug in as data: a table named after its `provider` in models.toml,
with the settings below; a check no setting covers yet is a new setting here, read by the rule
that owns the concept.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

from ft_lint.models import Model, Source

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib


class ProfileTableError(ValueError):
    """profiles.toml is malformed; the message names the provider and the setting."""


@dataclass(frozen=True)
class Profile:
    """A provider's checks. None (or the default) for a setting: the schema decides."""

    provider: str = ""  # "" for the profile of no provider: the schemas alone
    top_level_keys: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    image_url_schemes: tuple[str, ...] | None = None
    image_data_url_prefixes: tuple[str, ...] | None = None
    image_roles: tuple[str, ...] | None = None
    max_images: int | None = None
    max_image_bytes: int | None = None
    uniform_content: bool = False
    preference_input_may_end_with_assistant: bool = True
    tool_call_id_pattern: re.Pattern[str] | None = None
    function_name_pattern: re.Pattern[str] | None = None
    content_with_tool_calls: bool = True
    sources: Mapping[str, Source] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def title(self) -> str:
        """How messages name the provider: "Together", "Mistral"."""
        return _TITLES.get(self.provider, self.provider)


NO_PROFILE = Profile()

_TITLES = {"together": "Together", "mistral": "Mistral", "fireworks": "Fireworks", "bedrock": "Bedrock"}

# setting -> (the TOML types it takes, the source group that must cite it)
_SETTINGS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "top-level-keys": (dict, "top-level-keys"),
    "image-url-schemes": (list, "images"),
    "image-data-url-prefixes": (list, "images"),
    "image-roles": (list, "images"),
    "max-images": (int, "images"),
    "max-image-bytes": (int, "images"),
    "uniform-content": (bool, "uniform-content"),
    "preference-input-may-end-with-assistant": (bool, "preference-input-may-end-with-assistant"),
    "tool-call-id-pattern": (str, "tool-call-id-pattern"),
    "function-name-pattern": (str, "function-name-pattern"),
    "content-with-tool-calls": (bool, "content-with-tool-calls"),
}


_KIND_NAMES: dict[type | tuple[type, ...], str] = {
    dict: "a table",
    list: "a list",
    int: "a whole number",
    bool: "true or false",
    str: "a string",
}


def profile_for(model: Model | None, format_name: str | None) -> Profile:
    """The profile of the model's provider, for data of a format the model trains on; else
    NO_PROFILE (no model, no profile, or a format the provider does not read: FT305 says so,
    and its validator's rules are written for its own formats)."""
    if model is None or format_name not in model.formats:
        return NO_PROFILE
    return load_profiles().get(model.provider, NO_PROFILE)


@functools.cache
def load_profiles() -> Mapping[str, Profile]:
    text = resources.files("ft_lint").joinpath("profiles.toml").read_text(encoding="utf-8")
    return parse_profiles(text)


def parse_profiles(text: str) -> Mapping[str, Profile]:
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ProfileTableError(f"profiles.toml is not valid TOML: {e}") from None
    return MappingProxyType({provider: _profile(provider, raw) for provider, raw in table.items()})


def _fail(provider: str, setting: str, problem: str) -> ProfileTableError:
    return ProfileTableError(f"profiles.toml: [{provider}] {setting!r} {problem}")


def _profile(provider: str, raw: Any) -> Profile:
    if not isinstance(raw, dict):
        raise ProfileTableError(f"profiles.toml: {provider!r} must be a table")
    sources = _sources(provider, raw.get("sources", {}))
    values: dict[str, Any] = {}
    for setting, value in raw.items():
        if setting == "sources":
            continue
        if setting not in _SETTINGS:
            raise _fail(provider, setting, f"is not a setting (settings: {', '.join(_SETTINGS)})")
        kind, group = _SETTINGS[setting]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise _fail(provider, setting, f"must be {_KIND_NAMES[kind]}, not {value!r}")
        if group not in sources:
            raise _fail(provider, setting, f"has no source: add [{provider}.sources.{group}]")
        values[setting.replace("-", "_")] = _converted(provider, setting, value)
    return Profile(provider=provider, sources=sources, **values)


def _converted(provider: str, setting: str, value: Any) -> Any:
    if setting == "top-level-keys":
        return MappingProxyType({fmt: frozenset(_strings(provider, setting, keys)) for fmt, keys in value.items()})
    if isinstance(value, list):
        return _strings(provider, setting, value)
    if setting.endswith("-pattern"):
        try:
            return re.compile(value)
        except re.error as error:
            raise _fail(provider, setting, f"is not a valid regex: {error}") from None
    return value


def _strings(provider: str, setting: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(provider, setting, "must be a list of strings")
    return tuple(value)


def _sources(provider: str, raw: Any) -> Mapping[str, Source]:
    if not isinstance(raw, dict):
        raise _fail(provider, "sources", "must be a table")
    sources = {}
    for group, source in raw.items():
        if not (
            isinstance(source, dict)
            and isinstance(source.get("url"), str)
            and isinstance(source.get("read"), dt.date)
            and isinstance(source.get("verified"), bool)
        ):
            raise _fail(provider, f"sources.{group}", "needs url (a string), read (a date) and verified (true/false)")
        sources[group] = Source(source["url"], source["read"], source["verified"], source.get("note", ""))
    return MappingProxyType(sources)
