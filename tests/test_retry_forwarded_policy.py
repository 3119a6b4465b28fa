"""A retry policy built from its caller's ``*args``/``**kwargs`` (issue 13, round 9's fresh dev part):
its bound and its wait are whatever that caller passes, so neither "never gives up" nor "no delay" can
be read off the construction; one that names nothing and forwards nothing still has tenacity's
defaults (stop_never, wait_none), and is still an anti-pattern. Real git diffs, real tree-sitter parses."""

from __future__ import annotations

from tests.retry_changes import findings, kinds

BEFORE = """import functools

from tenacity import Retrying, stop_after_attempt, wait_exponential


def fetch(client, url):
    return client.get(url)
"""

# a decorator factory: ``@retrying(stop=..., wait=...)`` hands its options to the policy it builds
FORWARDING = BEFORE + """

def retrying(*dargs, **dkw):
    def wrap(f):
        @functools.wraps(f)
        def wrapped_f(*args, **kw):
            return Retrying(*dargs, **dkw).call(f, *args, **kw)
        return wrapped_f
    return wrap
"""

# the same helper with a policy that names nothing and forwards nothing: never stops, never waits
BARE = BEFORE + """

def retrying(f):
    @functools.wraps(f)
    def wrapped_f(*args, **kw):
        return Retrying().call(f, *args, **kw)
    return wrapped_f
"""

ANTI = {"retry.without_limit", "retry.without_backoff"}


def test_a_policy_built_from_forwarded_options_is_no_anti_pattern(tmp_path):
    found = findings(tmp_path, {"client/retry.py": BEFORE}, {"client/retry.py": FORWARDING})
    assert "retry.added" in kinds(found)  # still a retry the change adds
    assert not kinds(found) & ANTI


def test_a_policy_built_with_tenacity_defaults_still_never_gives_up(tmp_path):
    found = findings(tmp_path, {"client/retry.py": BEFORE}, {"client/retry.py": BARE})
    line = BARE.splitlines().index("        return Retrying().call(f, *args, **kw)") + 1
    assert [(f.kind, f.line) for f in found if f.kind in ANTI] == [("retry.without_limit", line)]
    assert "no delay" in next(f.message for f in found if f.kind == "retry.without_limit")


def test_a_forwarding_policy_that_names_a_forever_stop_still_fires(tmp_path):
    forever = FORWARDING.replace("Retrying(*dargs, **dkw)", "Retrying(*dargs, stop=stop_never, **dkw)").replace(
        "stop_after_attempt, wait_exponential", "stop_after_attempt, stop_never, wait_exponential")
    found = findings(tmp_path, {"client/retry.py": BEFORE}, {"client/retry.py": forever})
    assert "retry.without_limit" in kinds(found)
