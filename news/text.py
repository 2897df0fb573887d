"""A post's text: Markdown in, safe HTML out (the one place that decides what a post's HTML may hold).

Python-Markdown renders the source with tables; raw HTML in the source is not passed through (its block
and inline HTML handlers are removed, so `<script>` shows as text), and nh3 (the Rust `ammonia` sanitiser)
keeps only the tags, attributes and link schemes listed here: no scripts, no event-handler attributes, no
`javascript:` or `data:` links, no images (a post is text; an image would load from anywhere).
"""
from __future__ import annotations

import markdown
import nh3
from markdown.extensions import Extension

TAGS = {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote", "ul", "ol",
        "li", "a", "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


class _NoRawHtml(Extension):
    """Raw HTML in the source is text, never markup."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def render(source: str) -> str:
    """The sanitised HTML of a post's Markdown `source` ("" for an empty one)."""
    if not (source or "").strip():
        return ""
    html = markdown.markdown(source, extensions=[_NoRawHtml(), "tables", "sane_lists"],
                             extension_configs={"tables": {"use_align_attribute": True}}, output_format="html")
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="nofollow noopener noreferrer")
