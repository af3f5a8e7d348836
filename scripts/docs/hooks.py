"""MkDocs hooks (``mkdocs.yml``): add the generated pages and plots to the build, fill the nav,
expand the markers of the hand-written pages, and run their examples.

Markers, each alone on a line of a page:

- ``<!-- peers: PREFIX ... -->``: the table of other libraries' spellings starting with a prefix
  (``torch.``); every spelling must appear on some page.
- ``<!-- include: PATH -->``: a file of the repository (headings one level down).
- ``<!-- cli-help -->``: ``anyloss --help`` and each command's help.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages

log = logging.getLogger("mkdocs.hooks.anyloss")
_MARKER = re.compile(r"^<!-- (peers|include|cli-help):?\s*(.*?)\s*-->$", re.MULTILINE)
_state: dict[str, Any] = {}


def on_config(config: Any) -> Any:
    _state["spellings"] = {row[0] for row in pages._peers.table()}
    _state["shown"] = set()
    for section in config.nav or []:
        if isinstance(section, dict) and isinstance(section.get("Losses"), list):
            section["Losses"] += pages.losses_nav()
        if isinstance(section, dict) and isinstance(section.get("API reference"), list):
            section["API reference"] += pages.reference_nav()
    return config


def on_files(files: Files, config: Any) -> Files:
    try:
        site = pages.build()
    except (pages.ExampleError, LookupError, RuntimeError) as err:
        raise PluginError(str(err)) from err
    log.info(
        "anyloss: %d generated pages, %d plots, %d docstring examples ran",
        len(site.pages),
        len(site.images),
        site.examples_run,
    )
    for path, text in site.pages.items():
        files.append(File.generated(config, path, content=text))
    for path, data in site.images.items():
        files.append(File.generated(config, path, content=data))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.generated_by:
        return markdown
    markdown = _MARKER.sub(lambda m: _expand(m.group(1), m.group(2), page.file.src_uri), markdown)
    try:
        pages.run_page_examples(markdown, f"docs/{page.file.src_uri}")
    except pages.ExampleError as err:
        raise PluginError(f"{page.file.src_uri}: {err}") from err
    return markdown


def on_post_build(config: Any) -> None:
    unshown = _state["spellings"] - _state["shown"]
    if unshown:
        msg = (
            "other libraries' spellings on no page (add their prefix to a `<!-- peers: -->` "
            f"marker): {', '.join(sorted(unshown))}"
        )
        raise PluginError(msg)


def _expand(kind: str, argument: str, page: str) -> str:
    if kind == "peers":
        prefixes = tuple(argument.split())
        rows = [row for row in pages._peers.table() if row[0].startswith(prefixes)]
        if not rows:
            raise PluginError(f"{page}: no spelling starts with {prefixes}")
        _state["shown"].update(row[0] for row in rows)
        return "\n".join(pages.peers_table(rows, link=True))
    if kind == "include":
        path = pages.ROOT / argument
        if not path.is_file():
            raise PluginError(f"{page}: cannot include {argument}: no such file")
        return re.sub(r"(?m)^(#+) ", r"#\1 ", path.read_text())
    return _cli_help()


def _cli_help() -> str:
    from anyloss.cli import build_parser

    parser = build_parser()
    parts = ["```text", parser.format_help().rstrip(), "```", ""]
    commands = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    for name, sub in commands.choices.items():
        with contextlib.redirect_stdout(io.StringIO()):
            text = sub.format_help().rstrip()
        parts += [f"### anyloss {name}", "", "```text", text, "```", ""]
    return "\n".join(parts)
