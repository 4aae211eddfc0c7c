"""Selector languages of list sources, compiled once: CSS or XPath for HTML, JMESPath for JSON.

A CSS selector is translated to XPath by cssselect; an ``xpath:`` prefix takes XPath as written.
Compiling is also how the registry validates a selector at load time, so a typo fails there,
not at the first poll.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

XPATH_PREFIX = "xpath:"


class SelectorError(ValueError):
    """A selector, JMESPath expression or pattern that does not compile; the message says why."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


@lru_cache(maxsize=512)
def compile_html_selector(selector: str) -> Any:
    """An ``lxml.etree.XPath`` for a CSS selector, or for XPath given as ``xpath:EXPR``."""
    from cssselect import GenericTranslator
    from cssselect import SelectorError as CssError
    from lxml import etree

    text = selector.strip()
    if not text:
        raise SelectorError("empty selector")
    if text.startswith(XPATH_PREFIX):
        expression = text[len(XPATH_PREFIX):].strip()
        if not expression:
            raise SelectorError("empty XPath after 'xpath:'")
    else:
        try:
            # Relative to the element it is applied to (an item), as in RSSHub's and Huginn's CSS.
            expression = GenericTranslator().css_to_xpath(text, prefix="descendant-or-self::")
        except CssError as exc:
            raise SelectorError(_one_line(f"not a CSS selector: {exc}")) from None
    try:
        return etree.XPath(expression)
    except etree.XPathSyntaxError as exc:
        raise SelectorError(_one_line(f"not an XPath expression: {exc}")) from None


@lru_cache(maxsize=512)
def compile_jmespath(expression: str) -> Any:
    import jmespath
    from jmespath.exceptions import JMESPathError

    if not expression.strip():
        raise SelectorError("empty JMESPath expression")
    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        raise SelectorError(_one_line(f"not a JMESPath expression: {exc}")) from None


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise SelectorError(f"not a regular expression: {exc}") from None
