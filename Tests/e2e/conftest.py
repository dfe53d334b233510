"""Shared helpers for the end-to-end tests that drive the `steiger` binary."""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Fixtures"


@pytest.fixture(scope="session")
def steiger():
    binary = os.environ.get("STEIGER_BIN") or str(ROOT / ".build" / "debug" / "steiger")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"steiger binary not found at {binary}; build first (scripts/test does)")

    def run(*args, check=False):
        result = subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"steiger {' '.join(map(str, args))} failed ({result.returncode}): {result.stderr}")
        return result

    return run


def ffprobe_json(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)
