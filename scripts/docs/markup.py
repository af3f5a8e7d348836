"""The package's reST-flavoured Google docstrings as Markdown, for the documentation site.

``:func:`huber``` roles become cross-references (links only to names of ``anyloss.__all__``,
which the site documents, so a link never dangles), ``::`` literal blocks fenced blocks,
``Example:`` the ``Examples:`` section that renders doctests as code, ``x, y: ...`` arguments
one entry each, bare URLs and ``docs/*.md`` paths links. ``griffe_markdown.py`` applies it to
what mkdocstrings renders; ``pages.py`` to the text it writes itself.
"""

from __future__ import annotations

import re
import textwrap

_ROLE = re.compile(r":(?:func|class|meth|attr|mod|data|exc|obj):`(~?)([^`]+)`")
_URL = re.compile(r"(?<![<(\[`\"'])\bhttps?://[^\s<>`\"')\]]+")
_EXAMPLE = re.compile(r"^([ \t]*)Example:[ \t]*$", re.MULTILINE)


def roles(text: str, linkable: set[str]) -> str:
    """``:func:`name``` as a cross-reference when ``name`` is exported, else as code."""

    def replace(match: re.Match[str]) -> str:
        tilde, target = match.groups()
        short = target[len("anyloss.") :] if target.startswith("anyloss.") else target
        shown = target.rsplit(".", 1)[-1] if tilde else target
        if short in linkable:
            return f"[`{shown}`][anyloss.{short}]"
        return f"`{shown}`"

    return _ROLE.sub(replace, text)


def literal_blocks(text: str) -> str:
    """reST literal blocks (a paragraph ending ``::``, or a lone ``::``) as fenced blocks."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.rstrip()
        if not stripped.endswith("::") or stripped.endswith(":::"):
            out.append(line)
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        body_start = i + 1
        while body_start < len(lines) and not lines[body_start].strip():
            body_start += 1
        end = body_start
        while end < len(lines) and (
            not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
        ):
            end += 1
        while end > body_start and not lines[end - 1].strip():
            end -= 1
        if end == body_start:  # no indented block follows: not a literal block
            out.append(line)
            i += 1
            continue
        head = stripped[:-2].rstrip()
        if head.strip():
            out += [head + ":", ""]
        pad = " " * indent
        body = textwrap.dedent("\n".join(lines[body_start:end])).split("\n")
        out += [f"{pad}```text", *(f"{pad}{b}" if b else "" for b in body), f"{pad}```"]
        i = end
    return "\n".join(out)


_ARGS = re.compile(r"^([ \t]*)(Args|Arguments|Parameters):[ \t]*$")
_GROUPED = re.compile(r"^([ \t]+)(\w+(?:, \w+)+)( \(.*?\))?:(.*)$")


def grouped_arguments(text: str) -> str:
    """``x, y: text`` in an ``Args:`` section as one entry per name (the others refer to the
    first), the form the Google style parser reads."""
    lines = text.split("\n")
    out: list[str] = []
    section: int | None = None  # the indentation of the Args header we are in
    pending: list[str] = []  # entries to add when the current item ends
    item_indent = 0
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if pending and line.strip() and indent <= item_indent:
            _insert_before_blank_lines(out, pending)
            pending = []
        if section is not None and line.strip() and indent <= section:
            section = None
        header = _ARGS.match(line)
        if header:
            section = len(header.group(1))
        grouped = _GROUPED.match(line) if section is not None else None
        if grouped:
            pad, names, kind, rest = grouped.groups()
            first, *others = names.split(", ")
            out.append(f"{pad}{first}{kind or ''}:{rest}")
            pending = [f"{pad}{name}{kind or ''}: As `{first}`." for name in others]
            item_indent = len(pad)
            continue
        out.append(line)
    _insert_before_blank_lines(out, pending)
    return "\n".join(out)


def _insert_before_blank_lines(lines: list[str], new: list[str]) -> None:
    end = len(lines)
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = new


def urls(text: str) -> str:
    """Bare URLs as Markdown autolinks (a trailing full stop or comma stays outside)."""

    def replace(match: re.Match[str]) -> str:
        url = match.group(0)
        tail = ""
        while url and url[-1] in ".,;:":
            url, tail = url[:-1], url[-1] + tail
        return f"<{url}>{tail}"

    return _URL.sub(replace, text)


#: Pages of the site that docstrings name by their path, and the anchor of their title.
PAGES = {
    "docs/keras-differences.md": "where-anyloss-differs-from-keras",
    "docs/losses.md": "losses-by-family-and-other-libraries-names-for-them",
}


def page_links(text: str) -> str:
    """``docs/page.md`` (in double backticks or bare) as a link to that page of the site."""
    for path, anchor in PAGES.items():
        quoted = re.escape(path)
        pattern = rf"``{quoted}``|(?<![\w/`\[]){quoted}(?![\w`\]])"
        text = re.sub(pattern, f"[{path}][{anchor}]", text)
    return text


_EXAMPLE_BLOCK = re.compile(r"^Examples?:[ \t]*\n((?:[ \t]+\S.*\n?|[ \t]*\n)+)", re.MULTILINE)


def example_sections(text: str) -> str:
    """An ``Example:`` section as a titled ``pycon`` block, for text that mkdocstrings does
    not render (module introductions on generated pages)."""

    def replace(match: re.Match[str]) -> str:
        body = textwrap.dedent(match.group(1)).strip("\n")
        return f"**Example**\n\n```pycon\n{body}\n```\n"

    return _EXAMPLE_BLOCK.sub(replace, text)


def to_markdown(text: str, linkable: set[str]) -> str:
    """A docstring (or a docstring's paragraph) as Markdown."""
    text = _EXAMPLE.sub(r"\1Examples:", text)
    return page_links(urls(roles(literal_blocks(grouped_arguments(text)), linkable)))
