"""The scenario file: requests on a function's API events, and authorizer events for a function
that has none, each answer checked."""

import pytest

from lambda_sim.scenarios import ScenarioError, load

TOKEN_EVENT = "host/tests/fixtures/aws-samples/apigw-custom-auth-request-token.json"


def write(tmp_path, text):
    path = tmp_path / "scenarios.yaml"
    path.write_text(text)
    return path


def test_an_authorizer_is_checked_on_its_result_as_it_returned_it(tmp_path):
    steps = load(write(tmp_path, f"""
Authorizer:
  - authorizer: {TOKEN_EVENT}
    contains: '"Effect":"Deny"'
  - authorizer: {TOKEN_EVENT}
    error: Unauthorized
"""))["Authorizer"]
    deny, unauthorized = steps
    assert deny.authorizer.is_file()
    denied = '{"principalId":"anonymous","policyDocument":{"Statement":[{"Effect":"Deny"}]}}'
    assert deny.authorizer_check(None, denied) is None
    assert "does not hold" in deny.authorizer_check(None, denied.replace("Deny", "Allow"))
    assert "failed with Unauthorized" in deny.authorizer_check("Unauthorized", '{"errorMessage":"Unauthorized"}')
    assert unauthorized.authorizer_check("Unauthorized", '{"errorMessage":"Unauthorized"}') is None
    assert "expected the error" in unauthorized.authorizer_check(None, denied)


def test_an_authorizer_step_names_an_event_that_exists_and_no_request(tmp_path):
    with pytest.raises(ScenarioError, match="no authorizer event"):
        load(write(tmp_path, "Authorizer:\n  - authorizer: no/such/event.json\n"))
    with pytest.raises(ScenarioError, match="unknown keys"):
        load(write(tmp_path, f"Authorizer:\n  - authorizer: {TOKEN_EVENT}\n    method: GET\n"))
