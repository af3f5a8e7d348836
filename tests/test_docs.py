"""The documentation site's generated part, checked without building the site (``make docs``
builds it strictly, ``make docs-check`` reads it in a browser): every public name of anyloss
has its place in the API reference, every loss a plot, every other library's spelling a page,
and the examples of the hand-written pages run."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

import anyloss
from anyloss import _catalog
from anyloss.losses import _peers

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _load(name: str):
    path = ROOT / "scripts" / "docs" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"anyloss_docs_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


pages = _load("pages")
markup = _load("markup")


@pytest.fixture(scope="module")
def site():
    """The generated pages (no plots); building them runs every docstring example."""
    return pages.build(plots=False)


def test_every_public_name_has_a_page_in_the_api_reference(site):
    placed = pages.reference_names()
    assert set(placed) == set(anyloss.__all__)
    for page in set(placed.values()):
        assert page in site.pages, page


def test_the_generated_pages_document_every_public_name(site):
    aliases = {a: e.name for e in _catalog.entries() for a in e.aliases}
    index = site.pages["reference/index.md"]
    for name, page in pages.reference_names().items():
        assert f"| `{name}` |" in index, name
        text = site.pages[page]
        if name in aliases:
            assert f"`{name}`" in text and f"::: anyloss.{aliases[name]}\n" in text, name
        elif name == "ops":
            assert "{#anyloss.ops}" in text and all(
                f"{{#anyloss.ops.{op}}}" in text for op in anyloss.ops.__all__
            )
        elif name == "__version__":
            assert anyloss.__version__ in text
        else:
            assert f"::: anyloss.{name}\n" in text, name


def test_no_public_name_lacks_a_docstring():
    assert pages.missing_docstrings() == []


def test_every_loss_is_on_its_family_page_with_its_plot(site):
    for entry in _catalog.entries():
        text = site.pages[pages.family_page(entry.family)]
        assert f"\n## {entry.name}\n" in text, entry.name
        assert f"](plots/{entry.name}.png)" in text, entry.name
        assert f"::: anyloss.{entry.class_name}\n" in text, entry.name
        pages.plot_kind(entry)  # raises for a loss neither `anyloss plot` nor a sweep draws


def test_the_plots_draw(tmp_path):
    """One loss `anyloss plot` draws, and every sweep the site draws itself."""
    pytest.importorskip("matplotlib")
    drawn = {}
    for entry in _catalog.entries():
        kind = pages.plot_kind(entry)
        key = "cli" if kind == "cli" else id(kind)
        if key not in drawn:
            drawn[key] = entry
    for entry in drawn.values():
        out = tmp_path / f"{entry.name}.png"
        caption = pages.draw(entry, out, points=21)
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and entry.name in caption


def test_a_loss_without_a_plot_fails_the_build(monkeypatch):
    monkeypatch.delitem(pages.SWEEPS_BY_NAME, "ctc")
    with pytest.raises(LookupError, match="ctc"):
        pages.plot_kind(_catalog.lookup("ctc"))


def test_every_other_library_spelling_is_on_a_coming_from_page():
    prefixes = []
    for path in DOCS.rglob("*.md"):
        for match in re.finditer(r"^<!-- peers: (.*?) -->$", path.read_text(), re.MULTILINE):
            prefixes += match.group(1).split()
    spellings = [row[0] for row in _peers.table()]
    assert [s for s in spellings if not s.startswith(tuple(prefixes))] == []


@pytest.mark.usefixtures("_registry_restored")
@pytest.mark.parametrize(
    "page", sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")), ids=str
)
def test_the_examples_of_each_page_run(page):
    pages.run_page_examples((DOCS / page).read_text(), f"docs/{page}")


def test_a_failing_page_example_is_reported_with_its_line():
    text = "# A page\n\nText.\n\n```pycon\n>>> 1 + 1\n3\n```\n"
    with pytest.raises(pages.ExampleError, match="line 6"):
        pages.run_page_examples(text, "docs/page.md")


def test_every_page_is_in_the_navigation():
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())

    def files(nav):
        for item in nav:
            if isinstance(item, str):
                yield item
            else:
                for value in item.values():
                    yield from ([value] if isinstance(value, str) else files(value))

    listed = set(files(config["nav"]))
    written = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert written <= listed
    generated = {"losses/index.md", "reference/index.md"}
    assert listed - written <= generated


def test_docstring_markup_becomes_markdown():
    text = (
        "Wraps :func:`huber` and :meth:`get_config`; see :class:`~anyloss.Loss`.\n\n"
        "The formula::\n\n    loss = mean(e ** 2)\n\nArgs:\n    x, y: The data.\n\n"
        "Example:\n    >>> 1\n    1\n\nD3 in docs/keras-differences.md, https://keras.io/x."
    )
    out = markup.to_markdown(text, {"huber", "Loss"})
    assert "[`huber`][anyloss.huber]" in out and "`get_config`" in out
    assert "[`Loss`][anyloss.Loss]" in out
    assert "The formula:\n\n```text\nloss = mean(e ** 2)\n```" in out
    assert "    x: The data.\n    y: As `x`." in out
    assert "Examples:" in out
    assert "[docs/keras-differences.md][where-anyloss-differs-from-keras]" in out
    assert "<https://keras.io/x>." in out


def test_the_readme_links_the_local_build():
    readme = (ROOT / "README.md").read_text()
    assert readme.startswith("# anyloss\n\n```sh\nmake demo")
    assert "## Documentation" in readme and "build/site/index.html" in readme
