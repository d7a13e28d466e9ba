"""Schemathesis (the OpenAPI fuzzer) against the API as an officer, a company and the public: a
bounded number of generated requests per operation, none of which may answer 5xx (issue 11 §3).

PROCURE_FUZZ_EXAMPLES sets the examples per operation (default 20 in the suite; raise it for a
deeper run by hand). Schemathesis' own pytest plugin does not run under this pytest, so each
operation's strategy is driven by Hypothesis directly."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import schemathesis
from schemathesis import checks
from hypothesis import HealthCheck, given, settings

from procure.app import create_app
from procure.kernel.clock import FrozenClock, system_clock
from tests.serving.conftest import auth_for

EXAMPLES = int(os.environ.get("PROCURE_FUZZ_EXAMPLES", "20"))
CHECKS = [checks.status_code_conformance, checks.content_type_conformance, checks.response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed(fresh_demo):  # type: ignore[no-untyped-def]
    now = system_clock() + timedelta(minutes=1)
    app = create_app(fresh_demo.settings(FrozenClock(now)), check_migrations=False)
    fresh_demo.storage.mkdir(parents=True, exist_ok=True)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    return schema, {name: auth_for(fresh_demo.database, name, now)[0] for name in (None, "officer", "contractor")}


def _fuzz(schema, headers: dict[str, str]) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    sent, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):  # type: ignore[no-untyped-def]
            nonlocal sent
            response = case.call(headers=headers)
            sent += 1
            where = f"{case.method} {case.formatted_path} {case.query or ''} {str(case.body)[:120]}"
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code} {response.text[:200]}")
                return
            try:  # the answer is one the spec documents, in the documented shape
                case.validate_response(response, checks=CHECKS)
            except BaseExceptionGroup as exc:  # schemathesis reports its findings as a group
                found = "; ".join(str(e).splitlines()[0] for e in exc.exceptions)
                failures.append(f"{where}: {response.status_code} breaks the spec: {found[:200]}")

        check()
    return sent, failures


@pytest.mark.parametrize("actor", [None, "officer", "contractor"], ids=["public", "officer", "contractor"])
def test_no_generated_request_gets_a_5xx(fuzzed, actor):  # type: ignore[no-untyped-def]
    schema, headers = fuzzed
    sent, failures = _fuzz(schema, headers[actor])
    print(f"schemathesis as {actor or 'the public'}: {sent} requests, {len(failures)} failures")  # pytest -s
    assert sent > 200, sent
    assert not failures, f"{len(failures)} of {sent} requests answered 5xx or broke the spec:\n" + "\n".join(sorted(set(failures))[:60])
