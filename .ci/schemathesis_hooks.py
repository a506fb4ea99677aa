"""What .ci/schemathesis tells schemathesis about keysmith that its document
cannot: answers that are right by design though a check takes them for
failures. Each is matched as narrowly as the answer allows; any other
failure still fails the run.

1. Refusals of schema-valid requests (ST202). A request can fit the schema
   and still name a record that does not exist (a token never issued, a
   challenge never started), a time already past, or a challenge out of
   attempts; the server answers it with a documented 4xx whose `error` code
   says so. Only the (operation, status, code) below are accepted, each with
   its reason.
2. A revoked API key read after its DELETE (ST301): the DELETE revokes, and
   the record stays, with `revoked_at` set, until it is purged.
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


def _json(response):
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _error(response):
    body = _json(response)
    if not isinstance(body, dict):
        return None, None
    return body.get("error"), body.get("message")


# The operations that read or change an API key by id, after its DELETE.
REVOKED_KEY_READS = {"get_api_key", "update_api_key"}


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keeps every failure but those the module's docstring names."""
    kind = getattr(failure, "code", None)
    operation = case.operation.definition.raw.get("operationId")
    if kind == "ST301":
        body = _json(response)
        revoked = isinstance(body, dict) and body.get("revoked_at") is not None
        return not (operation in REVOKED_KEY_READS and revoked)
    if kind != "ST202":
        return True
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
