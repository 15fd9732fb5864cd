"""The HTTP API fuzzed from its own OpenAPI document (schemathesis, in-process over ASGI).

Every operation, the upload included (multipart), gets a bounded, deterministic set of
generated requests with a regulator's bearer token; no answer may be a server error and every
answer must match its documented schema. A failure names the operation and the request that
triggered it (as a curl command).

The operations are run one by one inside one test (schemathesis's own pytest integration
does not run under this pytest), so that one operation's failure does not hide another's.
"""

from __future__ import annotations

import shutil
import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from fiveareas.store import accounts
from fiveareas.store import catalog as cat
from fiveareas.store.home import Home
from fiveareas.web.app import create_app

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed(city: tuple[Home, dict], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A private copy of the city (the fuzzer writes to it) and a regulator's token."""
    home = Home.resolve(tmp_path_factory.mktemp("fuzz") / "home")
    shutil.copytree(city[0].root, home.root, dirs_exist_ok=True)
    engine = cat.open_catalog(home.catalog_url)
    accounts.create(engine, "fuzz-reg", "regulator", "correct horse battery", None)
    token = accounts.issue_token(engine, "fuzz-reg", "fuzz")[1]
    return {"app": create_app(home), "headers": {"Authorization": f"Bearer {token}"}}


def fuzz_operation(operation: Any, headers: dict[str, str]) -> None:
    """Generated requests for one operation; raises on the first failing check."""

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def fuzz_all(app: Any, headers: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    done: list[str] = []
    failures: dict[str, str] = {}
    for result in api.get_all_operations():
        operation = result.ok()  # an operation the schema cannot describe fails here
        started = time.monotonic()
        try:
            fuzz_operation(operation, headers)
        except Exception as exc:  # noqa: BLE001 (reported below, operation by operation)
            failures[operation.label] = f"{type(exc).__name__}: {exc}"
        done.append(f"{operation.label} ({time.monotonic() - started:.1f}s)")
    return done, failures


def test_api_never_fails_and_answers_as_documented(fuzzed: dict) -> None:
    done, failures = fuzz_all(fuzzed["app"], fuzzed["headers"])
    labels = " ".join(done)
    assert "POST /api/v1/submissions" in labels, "the upload must be fuzzed too"
    assert len(done) >= 10, done
    assert not failures, "\n\n".join(f"=== {op}\n{text}" for op, text in failures.items())
