"""Runs every ``jax_case_*`` of ``tests/distributed/cases_*.py`` in one process with 8 CPU
devices (``XLA_FLAGS=--xla_force_host_platform_device_count=8``, set by test_cases.py before
JAX starts). Writes each case's outcome as JSON to OUT."""

from __future__ import annotations

import json
import sys
import time
import traceback

import jax

from tests.distributed._cases import case_functions


def main(out: str) -> None:
    jax.config.update("jax_enable_x64", True)
    devices = jax.devices()
    results: dict[str, dict] = {}
    for name, fn in case_functions("jax_case_"):
        start = time.perf_counter()
        try:
            results[name] = {"ok": True, "info": fn(devices)}
        except Exception:
            results[name] = {"ok": False, "error": traceback.format_exc()[-4000:]}
        results[name]["seconds"] = round(time.perf_counter() - start, 2)
    with open(out, "w") as f:
        json.dump([results], f)


if __name__ == "__main__":
    main(sys.argv[1])
