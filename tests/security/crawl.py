"""Walking every page a role can reach: the links of each HTML page, followed breadth-first
within the hub, at most :data:`PER_ENDPOINT` pages per route (``/patients/1`` and
``/patients/2`` draw the same template), so "every page of every role" stays a few dozen loads.
Used by the Content-Security-Policy checks (Flask test client) and the browser egress test."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from flask import Flask
from werkzeug.exceptions import HTTPException

PER_ENDPOINT = 2
MAX_PAGES = 120
#: GET pages that change something or end the visit: never followed.
SKIP_ENDPOINTS = {"auth.logout"}


@dataclass
class Tag:
    name: str
    attrs: dict[str, str]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []
        self._in_script: Tag | None = None
        self.script_text: list[tuple[Tag, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        item = Tag(tag, {k.lower(): v or "" for k, v in attrs})
        self.tags.append(item)
        if tag == "script":
            self._in_script = item

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None and data.strip():
            self.script_text.append((self._in_script, data))


def parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def hub_paths(html: str) -> list[str]:
    """The hub-internal targets (path and query) of the page's ``<a href>`` links."""
    out = []
    for tag in parse(html).tags:
        href = tag.attrs.get("href", "") if tag.name == "a" else ""
        href = urldefrag(href)[0]
        if not href.startswith("/") or href.startswith("//"):
            continue
        out.append(href)
    return out


@dataclass
class Crawl:
    """Breadth-first over a role's pages. ``fetch(path)`` returns the page's HTML, or None when
    the target is not an HTML page (a download, JSON)."""

    app: Flask
    fetch: Callable[[str], str | None]
    seen_endpoints: dict[str, int] = field(default_factory=dict)
    visited: list[str] = field(default_factory=list)

    def endpoint(self, path: str) -> str | None:
        parts = urlsplit(path)
        try:
            endpoint, _args = self.app.url_map.bind("localhost").match(parts.path, method="GET")
        except HTTPException:
            return None
        return str(endpoint)

    def pages(self, start: str = "/", *also: str) -> Iterator[tuple[str, str]]:
        """``(path, html)`` of each HTML page reached from ``start`` (and the ``also`` pages,
        queued right after it: e.g. a patient with data, whatever order the caseload shows)."""
        queue, queued = deque([start, *also]), {start, *also}
        while queue and len(self.visited) < MAX_PAGES:
            path = queue.popleft()
            endpoint = self.endpoint(path)
            if endpoint is None or endpoint in SKIP_ENDPOINTS:
                continue
            if self.seen_endpoints.get(endpoint, 0) >= PER_ENDPOINT:
                continue
            self.seen_endpoints[endpoint] = self.seen_endpoints.get(endpoint, 0) + 1
            html = self.fetch(path)
            if html is None:
                continue
            self.visited.append(path)
            yield path, html
            for link in hub_paths(html):
                if link not in queued:
                    queued.add(link)
                    queue.append(link)
