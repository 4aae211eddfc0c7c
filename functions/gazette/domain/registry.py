"""The feed registry file: which sources to watch, validated before anything is written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FEED_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


class RegistryError(ValueError):
    """The registry file cannot be used; the message names the entry and the field."""


class FeedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    feed_id: Annotated[str, Field(pattern=FEED_ID.pattern)]
    url: Annotated[str, Field(min_length=8, max_length=2000)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    issuer: str | None = None
    region: str | None = None
    language: Annotated[str, Field(pattern=r"^(zh-Hans|zh-Hant|en)$")] = "zh-Hans"
    min_interval: Annotated[int, Field(ge=300, le=7 * 86400)] = 900
    enabled: bool = True
    fetch_link: bool = True

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value


def load_registry(path: str | Path, *, base_url: str | None = None) -> list[FeedConfig]:
    """Reads a YAML or JSON registry; `{base_url}` in it becomes `base_url` (the local feed server)."""
    import yaml

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
        if base_url is not None:
            text = text.replace("{base_url}", base_url)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML or JSON ({exc.__class__.__name__})") from exc
    entries = data.get("feeds") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: expected a list of feeds (or a mapping with a 'feeds' list)")
    feeds = []
    for index, entry in enumerate(entries):
        try:
            feeds.append(FeedConfig.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "entry"
            raise RegistryError(f"{path}: feed {index + 1}: {where}: {first['msg']}") from exc
    seen: set[str] = set()
    for feed in feeds:
        if feed.feed_id in seen:
            raise RegistryError(f"{path}: feed_id {feed.feed_id!r} appears twice")
        seen.add(feed.feed_id)
    return feeds
