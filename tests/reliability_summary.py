"""Terminal-summary counts for the reliability suites (registered in tests/conftest.py).

Counted from test reports, which the pytest-xdist controller receives although it collects
nothing: every ``tests/bad_inputs`` test is one bad input tried, and fuzz tests record how many
generated examples they ran as the ``fuzz_examples`` user property.
"""

from __future__ import annotations

from typing import Any

BAD_INPUTS = "tests/bad_inputs/"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    tried = passed = fuzz = 0
    for category in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(category, []):
            nodeid = getattr(report, "nodeid", "")
            if report.when == "call" and nodeid.startswith(BAD_INPUTS):
                tried += 1
                passed += report.passed
            if report.when == "call":
                fuzz += sum(v for k, v in getattr(report, "user_properties", ())
                            if k == "fuzz_examples")
    if tried:
        terminalreporter.write_line(f"bad inputs: {tried} tried, {passed} passed")
    if fuzz:
        terminalreporter.write_line(f"fuzz: {fuzz} generated configs fed to get/deserialize")
