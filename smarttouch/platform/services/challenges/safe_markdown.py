"""Markdown of challenge descriptions: the one renderer the public pages, the developers'
pages and the authoring preview share, and the check authoring runs before storing.

Rendering is defence in depth: raw HTML in the source is shown as text (the HTML
pre-processor and inline pattern are removed), and the HTML that Markdown produces is then
cleaned by nh3 (the Ammonia sanitiser) with an allow-list of the tags Markdown writes, only the
attributes they need, and links and images limited to http(s), mailto, site paths and anchors.
So ``<script>``, ``javascript:`` links and event-handler attributes never reach a page.

:func:`unsafe_markup` says what a description tries that the renderer would neutralise, so the
authoring form can refuse it at the field instead of storing it silently changed.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.tables import TableExtension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

SAFE_PREFIXES = ("http://", "https://", "mailto:", "/", "#")
URL_SCHEMES = {"http", "https", "mailto"}
TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
#: tags whose content is dropped with them
DROP_CONTENT = {"script", "style"}

_DANGEROUS_TAG = re.compile(r"<\s*(script|iframe|object|embed|style|form|svg|math|base|meta|link)\b", re.I)
_HANDLER = re.compile(r"<[a-z][^>]*?\s(on[a-z]+)\s*=", re.I | re.S)
_URL_ATTR = re.compile(
    r"""\b(?:href|src|action|formaction|xlink:href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I
)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


class _SafeLinks(Treeprocessor):
    def run(self, root: Element) -> None:
        for el in root.iter():
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is not None and not value.strip().lower().startswith(SAFE_PREFIXES):
                    del el.attrib[attr]


class _NoRawHtml(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


def _markdown(*, raw_html: bool) -> markdown.Markdown:
    extensions: list[Extension | str] = [TableExtension(use_align_attribute=True)]
    extensions.append("sane_lists")
    if not raw_html:
        extensions.insert(0, _NoRawHtml())
    return markdown.Markdown(extensions=extensions, output_format="html")


@lru_cache(maxsize=256)
def render(text: str) -> Markup:
    """``text`` (Markdown) as safe HTML (a pure function of the text, so the last 256
    renderings are kept: a public challenge page renders the same description every visit)."""
    produced = _markdown(raw_html=False).convert(text or "")
    cleaned = nh3.clean(
        produced,
        tags=TAGS,
        clean_content_tags=DROP_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)


def _unsafe_url(value: str) -> bool:
    url = _CONTROL.sub("", html.unescape(value)).lower()
    if url.startswith(("/", "#", "?", ".")) or ":" not in url.split("/", 1)[0]:
        return False  # a site path, an anchor or a relative address
    return url.split(":", 1)[0] not in URL_SCHEMES


def unsafe_markup(text: str) -> list[str]:
    """What ``text`` contains that the renderer neutralises: ``"script"`` (script, style,
    frames, embedded objects, forms), ``"handler"`` (an ``on...=`` event-handler attribute),
    ``"link"`` (a link or image address that is not http(s), mailto or on this site, such as
    ``javascript:``). Empty when the description is plain Markdown."""
    # what Markdown would make of it if raw HTML were let through, read as a browser would
    produced = _markdown(raw_html=True).convert(text or "")
    found = []
    if _DANGEROUS_TAG.search(produced) or _DANGEROUS_TAG.search(text or ""):
        found.append("script")
    if _HANDLER.search(produced) or _HANDLER.search(text or ""):
        found.append("handler")
    for match in _URL_ATTR.finditer(produced):
        if _unsafe_url(next(g for g in match.groups() if g is not None)):
            found.append("link")
            break
    return found


__all__ = ["render", "unsafe_markup"]
