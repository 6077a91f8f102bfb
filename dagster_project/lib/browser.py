"""Headless Chromium (Debian's chromium + chromedriver) for the report's browser test and
screenshot. Flags keep it off the network: nothing the report needs may come from outside."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",  # root in a container has no user namespace for the sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


class BrowserMissing(RuntimeError):
    """Chromium or chromedriver is not installed (`make test` installs both)."""


@contextmanager
def headless_chromium(width: int = 1280, height: int = 1600) -> Iterator[webdriver.Chrome]:
    """A WebDriver session on a fresh profile, closed (and its profile removed) on exit."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        raise BrowserMissing(
            f"not installed: {', '.join(missing)}; `make test` installs Debian's chromium "
            "and chromium-driver (apt-get install chromium chromium-driver)"
        )
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    # An explicit driver path: Selenium Manager would otherwise try to download one.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot_page(page: Path, target: Path, width: int = 1280) -> Path:
    """A PNG of the whole page (the window grown to the page's height)."""
    with headless_chromium(width=width) as driver:
        driver.get(page.resolve().as_uri())
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, int(height) + 40)
        target.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(target))
    return target


def main(argv: list[str]) -> int:
    """`make report-screenshot`: the configured leadership report as a PNG."""
    from dagster_project.lib.warehouse import WarehouseResource

    report = Path(WarehouseResource.from_settings().leadership_report_path)
    target = Path(argv[1] if len(argv) > 1 else "leadership_report.png")
    print(screenshot_page(report, target))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv))
