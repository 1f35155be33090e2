"""Schemathesis against the running suite's /openapi.json, as the admin: generated requests for
every operation must never get a 5xx, and every response must match its documented schema."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.conftest import PASSWORD


def test_no_generated_request_breaks_the_api(own_suite, tmp_path):
    """On a suite of its own: the generated requests create and change data freely."""
    suite = own_suite
    token = httpx.post(f"{suite.gateway_url}/api/v1/auth/token",
                       json={"username": "admin", "password": PASSWORD}).json()["access_token"]
    executable = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    result = subprocess.run(
        [executable, "run", f"{suite.gateway_url}/openapi.json", "-H", f"Authorization: Bearer {token}",
         "--checks", "not_a_server_error,response_schema_conformance", "--max-examples", "15",
         # One worker: with two, hypothesis's lambda-source parsing races between threads and
         # schemathesis reports its own crash ("AST constructor recursion depth mismatch").
         "--workers", "1",
         "--seed", "20261122", "--no-color"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)   # its cache stays out of the repository
    output = result.stdout
    artifacts = Path(__file__).parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / f"schemathesis-{suite.settings.database_schema_prefix or 'run'}.txt").write_text(output)
    start = next((output.find(marker) for marker in ("FAILURES", "ERRORS") if marker in output), -1)
    failures = output[start:output.find("SUMMARY")] if start >= 0 else output[-3000:]
    assert result.returncode == 0, failures[:8000]
    assert "failures" not in output.split("Test cases:")[-1]
