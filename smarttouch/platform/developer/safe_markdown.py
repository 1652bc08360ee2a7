"""Markdown for challenge descriptions without raw HTML or script links.

Raw HTML in the source is shown as text (the HTML pre-processor and inline pattern are
removed), and links or images whose address is not http(s), mailto, a site path or an
anchor lose it.
"""

from __future__ import annotations

from functools import lru_cache
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

SAFE_PREFIXES = ("http://", "https://", "mailto:", "/", "#")


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


@lru_cache(maxsize=256)
def render(text: str) -> Markup:
    """``text`` (Markdown) as safe HTML (a pure function of the text, so the last 256
    renderings are kept: a public challenge page renders the same description every visit)."""
    md = markdown.Markdown(extensions=[_NoRawHtml(), "tables", "sane_lists"], output_format="html")
    return Markup(md.convert(text or ""))
