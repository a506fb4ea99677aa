"""What .ci/schemathesis tells schemathesis about keysmith that its document
cannot: refusals of schema-valid requests that are answers by design.

A request can fit the schema and still name a record that does not exist
(a token never issued, a challenge never started) or a time already past;
the server answers it with a documented 4xx whose `error` code says so. Only
those (operation, status, code) are accepted below, each with its reason;
any other refusal of a schema-valid request still fails the run.
"""

import json

import schemathesis

# (operation id, status, error code): why a schema-valid request gets it.
ACCEPTED_REFUSALS = {
    # A token of the right form that was never issued (or was used, or
    # expired): 400, the same answer as for a used one, by design (README,
    # "The HTTP API"), so that unknown and spent tokens look alike.
    ("redeem_reset_token", 400, "invalid_token"): "a token never issued",
    # A challenge id that names no open challenge: 410 `expired`, as for a
    # challenge that expired or was approved; nothing is counted.
    ("check_otp", 410, "expired"): "a challenge never started",
    # A factor id that names no pending factor: 410 `gone`.
    ("confirm_totp", 410, "gone"): "a factor never enrolled",
    # A challenge, or a subject, out of attempts: the run checks wrong codes
    # on purpose, and the attempts they use up are the server's state.
    ("check_otp", 423, "locked"): "out of attempts",
    ("verify_totp", 423, "locked"): "out of attempts",
    ("redeem_recovery_code", 423, "locked"): "out of attempts",
    # The key's expiry must be in the future, which JSON Schema cannot say
    # of a `date-time`; the description says so.
    ("create_api_key", 400, "invalid_request"): "the key's expiry must be in the future",
    ("update_api_key", 400, "invalid_request"): (
        "the key's expiry must be in the future",
        # A refill needs credits: whether a change leaves the key any
        # depends on the key as stored (the document states the rule for
        # a new key).
        "a refill needs remaining",
    ),
}


def _error(response):
    try:
        body = json.loads(response.content)
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    return body.get("error"), body.get("message")


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keeps every failure but an accepted refusal of a schema-valid request."""
    if getattr(failure, "code", None) != "ST202":
        return True
    operation = case.operation.definition.raw.get("operationId")
    code, message = _error(response)
    reasons = ACCEPTED_REFUSALS.get((operation, response.status_code, code))
    if reasons is None:
        return True
    # invalid_request is accepted only with the message of a reason.
    if code == "invalid_request":
        if isinstance(reasons, str):
            reasons = (reasons,)
        return not any(reason in (message or "") for reason in reasons)
    return False
