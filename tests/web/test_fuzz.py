"""The HTTP API fuzzed from its own OpenAPI document (schemathesis, in-process over ASGI).

Every operation, the upload included (multipart), gets a bounded, deterministic set of
generated requests with a regulator's bearer token, on a private copy of the measured city:

- no answer is a server error (5xx);
- every answer matches the schema the document gives for its status (the routes' own
  refusals are 400s with `{"detail": text}`, documented as such);
- generated files uploaded under every accepted file name (.csv, .parquet, .xlsx...) reach
  the readers and never fail the server (schemathesis itself names the parts `loans` and
  `counterparties`, without a suffix, which the upload refuses before reading).

A failure names the operation and the request that triggered it (as a curl command). The
operations run one by one inside a test (schemathesis's own pytest integration does not run
under this pytest), so that one operation's failure does not hide another's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from fiveareas.store.home import Home
from tests.web.site import private_site

MAX_EXAMPLES = 25
SUFFIXES = (".csv", ".parquet", ".xlsx", ".tsv")


@pytest.fixture(scope="module")
def fuzzed(city: tuple[Home, dict], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A private copy of the city (the fuzzer writes to it) and a regulator's token."""
    site = private_site(city[0], tmp_path_factory.mktemp("fuzz"),
                        {"fuzz-reg": ("regulator", None)})
    app = site["app"]
    return {"app": app, "headers": {"Authorization": f"Bearer {site['tokens']['fuzz-reg']}"},
            "schema": schemathesis.openapi.from_asgi("/openapi.json", app)}


def fuzz(operation: Any, test: Callable[[Any], None], examples: int = MAX_EXAMPLES) -> None:
    """`test(case)` over generated cases of one operation; raises on the first failure."""

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    def run(case: Any) -> None:
        test(case)

    run()


def every_operation(schema: Any, test: Callable[[Any], None]) -> tuple[list[str], dict]:
    done: list[str] = []
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()  # an operation the document cannot describe fails here
        started = time.monotonic()
        try:
            fuzz(operation, test)
        except (Exception, BaseExceptionGroup) as exc:  # reported below, one by one
            failures[operation.label] = f"{type(exc).__name__}: {exc}"
        done.append(f"{operation.label} ({time.monotonic() - started:.1f}s)")
    print("\n".join(done))
    assert any(d.startswith("POST /api/v1/submissions ") for d in done), done
    assert len(done) >= 10, done
    return done, failures


def report(failures: dict[str, str]) -> str:
    return "\n\n".join(f"=== {op}\n{text}" for op, text in failures.items())


def test_no_operation_answers_a_server_error(fuzzed: dict) -> None:
    _, failures = every_operation(fuzzed["schema"], lambda case: case.call_and_validate(
        headers=fuzzed["headers"], checks=[not_a_server_error]))
    assert not failures, report(failures)


def test_every_answer_matches_its_documented_schema(fuzzed: dict) -> None:
    _, failures = every_operation(fuzzed["schema"], lambda case: case.call_and_validate(
        headers=fuzzed["headers"], checks=[not_a_server_error, response_schema_conformance]))
    assert not failures, report(failures)


def test_generated_files_under_every_accepted_name_never_fail_the_upload(fuzzed: dict
                                                                         ) -> None:
    """The upload's generated parts, sent as files the readers accept (by name), in turn."""
    (operation,) = [r.ok() for r in fuzzed["schema"].get_all_operations()
                    if r.ok().label == "POST /api/v1/submissions"]
    client = TestClient(fuzzed["app"], headers=fuzzed["headers"])
    seen: list[int] = []

    def upload(case: Any) -> None:
        body = case.body if isinstance(case.body, dict) else {}
        parts = {k: v if isinstance(v, bytes) else str(v).encode() for k, v in body.items()
                 if k in ("loans", "counterparties")}
        for suffix in SUFFIXES:
            files = {k: (f"{k}{suffix}", parts.get(k, b"")) for k in ("loans", "counterparties")}
            data = {k: str(v) for k, v in body.items() if k == "max_error_rate"}
            r = client.post("/api/v1/submissions", files=files, data=data)
            seen.append(r.status_code)
            assert r.status_code < 500, (suffix, files, data, r.status_code, r.text[:2000])

    fuzz(operation, upload, examples=15)
    assert 201 in seen  # the files were read (and refused as malformed), not turned away
