"""Open the built site in headless Chromium as a reader would (``make docs-check``).

Serves the site on 127.0.0.1, visits every page, and fails when a page logs a console error,
throws, loads a resource that fails or an image that does not decode, or asks for anything
outside the site. Takes screenshots of the home page, a loss page and the search results for
'focal'.

    python scripts/docs/check_site.py build/site --screenshots build/docs-screenshots
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
#: Flags for a closed network: no background requests, no sandbox (root), no GPU.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOSS_PAGE = "losses/probabilistic/"
SEARCH = "focal"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """The site on a free port of 127.0.0.1, for the duration of the block."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def pages_of(site: Path) -> list[str]:
    """Every page of the site, as a path relative to its root (``losses/regression/``)."""
    found = []
    for html in sorted(site.rglob("index.html")):
        relative = html.parent.relative_to(site).as_posix()
        found.append("" if relative == "." else relative + "/")
    return found


_BROKEN_IMAGES = """() => Array.from(document.images)
    .filter(img => !img.complete || img.naturalWidth === 0)
    .map(img => img.getAttribute('src'))"""


def check(site: Path, screenshots: Path, user_data_dir: Path) -> list[str]:
    """Visit every page; returns the problems found (empty when the site reads well)."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    screenshots.mkdir(parents=True, exist_ok=True)
    with serve(site) as root, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        page = browser.new_page()
        current = {"url": ""}

        def route(request_route: Any) -> None:
            url = request_route.request.url
            if url.startswith(root):
                request_route.continue_()
            else:
                problems.append(f"{current['url']}: requested {url} (outside the site)")
                request_route.abort()

        page.route("**/*", route)
        page.on(
            "console",
            lambda m: (
                problems.append(f"{current['url']}: console {m.type}: {m.text}")
                if m.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda e: problems.append(f"{current['url']}: {e}"))
        # A request the next navigation cancels (the search worker fetching its index on a
        # loaded machine) fails with net::ERR_ABORTED: not a broken site. A missing file
        # shows up as an HTTP error below.
        page.on(
            "requestfailed",
            lambda r: (
                problems.append(f"{current['url']}: failed to load {r.url} ({r.failure})")
                if r.url.startswith(root) and "ERR_ABORTED" not in (r.failure or "")
                else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                problems.append(f"{current['url']}: HTTP {r.status} for {r.url}")
                if r.status >= 400
                else None
            ),
        )
        visited = pages_of(site)
        for path in visited:
            current["url"] = root + path
            page.goto(current["url"], wait_until="networkidle")
            broken = page.evaluate(_BROKEN_IMAGES)
            problems += [f"{current['url']}: broken image {src}" for src in broken]
            if path == "":
                page.screenshot(path=str(screenshots / "home.png"))
            if path == LOSS_PAGE:
                page.screenshot(path=str(screenshots / "loss-page.png"))
                page.locator(
                    "img[src$='binary_focal_crossentropy.png']"
                ).scroll_into_view_if_needed()
                page.screenshot(path=str(screenshots / "loss-plot.png"))
        if LOSS_PAGE not in visited:
            problems.append(f"no page {LOSS_PAGE}")
        current["url"] = root
        page.goto(root, wait_until="load")
        page.locator("label.md-search__icon, .md-search__input").first.click()
        page.locator(".md-search__input").fill(SEARCH)
        results = page.locator(".md-search-result__item")
        try:
            results.first.wait_for(timeout=15000)
        except Exception:
            problems.append(f"searching {SEARCH!r} showed no result")
        page.screenshot(path=str(screenshots / "search-focal.png"))
        count = results.count()
        texts = page.locator(".md-search-result").inner_text().lower()
        if SEARCH not in texts:
            problems.append(f"the results for {SEARCH!r} do not mention it")
        print(f"visited {len(visited)} pages; search {SEARCH!r}: {count} results")
        browser.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("site", type=Path, help="the built site (build/site)")
    parser.add_argument("--screenshots", type=Path, default=Path("build/docs-screenshots"))
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site} holds no built site: run `make docs` first", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    import tempfile

    with tempfile.TemporaryDirectory() as profile:
        problems = check(args.site, args.screenshots, Path(profile))
    for problem in problems:
        print(problem, file=sys.stderr)
    shots = ", ".join(sorted(p.name for p in args.screenshots.glob("*.png")))
    print(f"screenshots in {args.screenshots}: {shots}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
