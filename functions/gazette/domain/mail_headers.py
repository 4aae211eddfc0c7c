"""The policy every mail is written with: SMTP's, but list headers written as receivers read them.

`List-Unsubscribe` (RFC 2369, RFC 8058) is a structured field: a comma-separated list of `<URI>`s.
Python's email package treats a header it does not know as unstructured text, and folds a long
unbroken value (an https URL with its token) into RFC 2047 encoded-words
(`=?utf-8?q?=3Chttps=3A//...?=`), in which receivers find no URI, so one-click unsubscribe fails.
Here the RFC 2369 fields are written as plain `<URI>` lists, folded only between list elements and
never encoded, and `List-Unsubscribe-Post` is written verbatim. Other headers keep SMTP's policy.
"""

from __future__ import annotations

import re
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.policy import SMTP, Policy
from typing import Any

# RFC 5322's hard limit on a line, CRLF excluded; one list element must fit on a line of its own.
MAX_LINE = 998
_URI = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+>")  # printable ASCII, no '<' or '>' inside
LIST_FIELDS = ("list-unsubscribe", "list-help", "list-subscribe", "list-post", "list-owner", "list-archive")
VERBATIM_FIELDS = ("list-unsubscribe-post",)


class HeaderValueError(ValueError):
    """A list header that cannot be written as plain ASCII within the line limit."""


def uri_list(value: str) -> list[str]:
    """The `<URI>` elements of a list header's value; raises HeaderValueError for anything else."""
    elements = [element.strip() for element in value.split(",")]
    if not all(_URI.fullmatch(element) for element in elements):
        raise HeaderValueError("a list header holds only <URI> elements of printable ASCII")
    return elements


def fold_uri_list(name: str, elements: list[str], *, max_line_length: int, linesep: str) -> str:
    """`Name: <a>, <b>` folded before an element only where the line would grow past the limit."""
    lines = [f"{name}:"]
    for index, element in enumerate(elements):
        piece = " " + element + ("," if index < len(elements) - 1 else "")
        if len(lines[-1]) + len(piece) > max_line_length and lines[-1] != f"{name}:":
            lines.append(piece)  # the leading space is the folding white space
        else:
            lines[-1] += piece
    if any(len(line) > MAX_LINE for line in lines):
        raise HeaderValueError(f"a {name} element is longer than a mail line may be")
    return linesep.join(lines) + linesep


class UriListHeader(UnstructuredHeader):
    """An RFC 2369 field: checked when set, folded only between its `<URI>` elements, never encoded."""

    max_count = 1

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        uri_list(value)
        super().parse(value, kwds)

    def fold(self, *, policy: Policy) -> str:
        limit = policy.max_line_length or MAX_LINE
        return fold_uri_list(self.name, uri_list(str(self)), max_line_length=limit, linesep=policy.linesep)


class VerbatimHeader(UnstructuredHeader):
    """A short structured value (`List-Unsubscribe=One-Click`) written exactly as given."""

    max_count = 1

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        if not (value.isascii() and value.isprintable()) or len(value) > MAX_LINE // 2:
            raise HeaderValueError("a verbatim header holds one short line of printable ASCII")
        super().parse(value, kwds)

    def fold(self, *, policy: Policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    for name in LIST_FIELDS:
        registry.map_to_type(name, UriListHeader)
    for name in VERBATIM_FIELDS:
        registry.map_to_type(name, VerbatimHeader)
    return registry


MAIL_POLICY = SMTP.clone(header_factory=_registry())
