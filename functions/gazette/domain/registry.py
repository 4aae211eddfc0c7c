"""The feed registry file: which sources to watch, validated before anything is written.

A source is a ``feed`` (RSS, Atom, JSON Feed; the default), an ``html_list`` (items picked from a
page with CSS or XPath) or a ``json_list`` (items picked from a JSON document with JMESPath). Any of
them may add ``detail`` (read each item's page for its metadata) and ``follow`` (one level deeper:
each item's page is itself a list, e.g. an issue's table of contents). A ``follow`` may hold one
more ``follow`` for a tree of lists (years → issues → documents): the items of the top page are then
branches, each branch's page is read on every poll, and the items of all of them are the list whose
new items are followed (see ``gazette.services.sources``). Besides ``title``, ``link`` and ``date``,
a list item may state the document's ``number`` (文号) and ``issuer``. Selectors, JMESPath
expressions and patterns are compiled here, at load time; a broken entry is reported with its line
in the file and the field.

``SourceSpec`` is what extraction needs of an entry, small and serialisable
(``model_dump_json()`` / ``model_validate_json()``), so the poller can keep it with the feed's state.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gazette.domain.selectors import SelectorError, compile_html_selector, compile_jmespath, compile_pattern

FEED_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
SourceType = Literal["feed", "html_list", "json_list"]


class RegistryError(ValueError):
    """The registry file cannot be used; the message names the entry (and its line) and the field."""


class SpecError(ValueError):
    """A source description that cannot work; ``loc`` is the path of the field at fault."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(f"{'.'.join(map(str, loc))}: {message}")
        self.loc = loc
        self.message = message


class FieldSpec(BaseModel):
    """Where one value of an item is. HTML: ``selector`` (CSS or ``xpath:``; none: the item itself)
    and ``attr`` (none: the element's text). JSON: ``selector`` is a JMESPath expression inside the
    item (a bare string is short for it). ``format``: a ``strptime`` format for dates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    selector: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    attr: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    format: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"selector": value} if isinstance(value, str) else value

    @field_validator("format")
    @classmethod
    def _strptime_format(cls, value: str | None) -> str | None:
        if value is not None and "%" not in value:
            raise ValueError("a strptime format such as '%Y-%m-%d' or '%Y年%m月%d日'")
        return value


class Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: FieldSpec | None = None
    link: FieldSpec | None = None
    date: FieldSpec | None = None
    number: FieldSpec | None = None  # the document's number (文号), where the list states it
    issuer: FieldSpec | None = None  # the document's issuer, where the list states it (beats the entry's)


FIELD_NAMES = ("title", "link", "date", "number", "issuer")


_LIST_KEYS = ("item", "items", "fields", "link_pattern", "unwrap_cdata")


class SourceSpec(BaseModel):
    """How to turn a fetched body into items; see the module docstring."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: SourceType = "feed"
    item: Annotated[str, Field(min_length=1, max_length=500)] | None = None  # html_list
    items: Annotated[str, Field(min_length=1, max_length=500)] | None = None  # json_list
    fields: Fields | None = None
    link_pattern: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    encoding: Annotated[str, Field(min_length=1, max_length=40)] = "auto"
    unwrap_cdata: bool = False
    detail: bool = False
    follow: SourceSpec | None = None

    @field_validator("follow", mode="before")
    @classmethod
    def _follow_is_a_list(cls, value: Any) -> Any:
        # What an item's page holds is a list of documents: html_list unless said otherwise.
        if isinstance(value, dict) and "type" not in value:
            return {"type": "html_list", **value}
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r} (a charset name, or auto)") from None
        return value

    @model_validator(mode="after")
    def _fits_its_type(self) -> SourceSpec:
        _check_spec(self)
        return self

    def list_fields(self) -> Fields:
        return self.fields or Fields()


def _check_spec(spec: SourceSpec) -> None:
    if spec.type == "feed":
        for key in _LIST_KEYS:
            if getattr(spec, key) not in (None, False):
                raise SpecError((key,), "only for html_list or json_list sources")
    elif spec.type == "html_list":
        if spec.item is None:
            raise SpecError(("item",), "required for html_list (a CSS selector, or xpath:...)")
        if spec.items is not None:
            raise SpecError(("items",), "only for json_list (html_list uses item)")
    else:
        if spec.items is None:
            raise SpecError(("items",), "required for json_list (a JMESPath expression, '@' for the document)")
        for key in ("item", "unwrap_cdata"):
            if getattr(spec, key) not in (None, False):
                raise SpecError((key,), "only for html_list")
    if spec.type != "feed":
        fields = spec.list_fields()
        if fields.title is None:
            raise SpecError(("fields", "title"), "required for a list source")
        if fields.link is None and spec.follow is not None:
            raise SpecError(("fields", "link"), "required to follow an item to its page")
    if spec.follow is not None and spec.follow.follow is not None and spec.follow.follow.follow is not None:
        raise SpecError(("follow", "follow", "follow"), "two levels of follow at most (branches, then items)")
    if spec.type == "html_list":
        _compile(("item",), compile_html_selector, spec.item)
    if spec.type == "json_list":
        _compile(("items",), compile_jmespath, spec.items)
    for name in FIELD_NAMES:
        field = getattr(spec.list_fields(), name)
        if field is None or field.selector is None:
            if spec.type == "json_list" and field is not None:
                raise SpecError(("fields", name), "needs a JMESPath expression")
            continue
        if spec.type == "json_list":
            if field.attr is not None:
                raise SpecError(("fields", name, "attr"), "only for html_list")
            _compile(("fields", name, "selector"), compile_jmespath, field.selector)
        else:
            _compile(("fields", name, "selector"), compile_html_selector, field.selector)
    if spec.link_pattern is not None:
        _compile(("link_pattern",), compile_pattern, spec.link_pattern)


def _compile(loc: tuple[str | int, ...], compiler: Any, text: str | None) -> None:
    try:
        compiler(text)
    except SelectorError as exc:
        raise SpecError(loc, str(exc)) from None


class FeedConfig(SourceSpec):
    """One registry entry: where the source is, what it is called, and how to read it."""

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

    def source_spec(self) -> SourceSpec:
        """What extraction needs of this entry, without where or who (serialisable)."""
        return SourceSpec.model_validate(self.model_dump(include=set(SourceSpec.model_fields)))


def _error_of(exc: ValidationError) -> tuple[tuple[str | int, ...], str]:
    first = exc.errors()[0]
    cause = (first.get("ctx") or {}).get("error")
    loc = tuple(part for part in first["loc"] if not str(part).startswith("function-"))
    if isinstance(cause, SpecError):
        return (*loc, *cause.loc), cause.message
    message = first["msg"].removeprefix("Value error, ")
    return loc, message


def _line_of(node: Any, loc: tuple[str | int, ...]) -> int:
    """The 1-based line of the deepest node of ``loc`` found under ``node`` (a yaml node)."""
    import yaml

    line = node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child, line = value, key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def load_registry(path: str | Path, *, base_url: str | None = None) -> list[FeedConfig]:
    """Reads a YAML or JSON registry; `{base_url}` in it becomes `base_url` (the local feed server)."""
    import yaml

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
        if base_url is not None:
            text = text.replace("{base_url}", base_url)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML or JSON ({exc.__class__.__name__})") from exc
    entries = data.get("feeds") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: expected a list of feeds (or a mapping with a 'feeds' list)")
    nodes = root
    if isinstance(root, yaml.MappingNode):
        nodes = next(value for key, value in root.value if getattr(key, "value", None) == "feeds")
    feeds = []
    for index, entry in enumerate(entries):
        try:
            feeds.append(FeedConfig.model_validate(entry))
        except ValidationError as exc:
            loc, message = _error_of(exc)
            where = ".".join(str(part) for part in loc) or "entry"
            line = _line_of(nodes, (index, *loc))
            raise RegistryError(f"{path}:{line}: feed {index + 1}: {where}: {message}") from exc
    seen: set[str] = set()
    for index, feed in enumerate(feeds):
        if feed.feed_id in seen:
            line = _line_of(nodes, (index, "feed_id"))
            raise RegistryError(f"{path}:{line}: feed_id {feed.feed_id!r} appears twice")
        seen.add(feed.feed_id)
    return feeds
