"""Python (issue 13, round 5): what a change does to a retry or timeout decision that no retry- or
timeout-named text shows. Real git histories and real tree-sitter parses; each rule with what must
fire next to what must not."""

from __future__ import annotations

from tests.retry_changes import findings, kinds

CHANGED = {"retry.added", "retry.removed", "retry.changed", "timeout.added", "timeout.removed", "timeout.changed"}


def _changes(found) -> set[str]:
    return kinds(found) & CHANGED


# -- which failures a hand-written retry loop retries --------------------------------------------

FETCH = '''import logging
import time

import requests

logger = logging.getLogger(__name__)
RETRYABLE_ERRORS = (requests.ConnectionError, requests.Timeout)


class MetadataFetcher:
    def __init__(self, url, attempts=3):
        self._url = url
        self._attempts = attempts

    def fetch(self):
        for i in range(self._attempts):
            try:
                response = requests.get(self._url, timeout=1)
                if response.status_code == 200:
                    return response.text
            except RETRYABLE_ERRORS as e:
                logger.debug("metadata fetch failed: %s", e)
            time.sleep(0.5)
        return None
'''


def test_python_a_retry_loop_that_gives_up_on_a_failure_it_used_to_retry_changes_retry(tmp_path):
    after = FETCH.replace("            except RETRYABLE_ERRORS as e:",
                          "            except requests.ReadTimeout:\n                return None\n"
                          "            except RETRYABLE_ERRORS as e:")
    found = findings(tmp_path, {"pkg/fetch.py": FETCH}, {"pkg/fetch.py": after})
    assert "retry.changed" in kinds(found)


def test_python_a_retry_loop_catching_fewer_errors_changes_retry(tmp_path):
    before = FETCH.replace("except RETRYABLE_ERRORS as e:", "except Exception as e:")
    found = findings(tmp_path, {"pkg/fetch.py": before}, {"pkg/fetch.py": FETCH})
    assert "retry.changed" in kinds(found)


def test_python_an_except_clause_that_now_leaves_the_loop_changes_retry(tmp_path):
    after = FETCH.replace('                logger.debug("metadata fetch failed: %s", e)',
                          '                if isinstance(e, requests.ConnectionError):\n'
                          '                    raise\n'
                          '                logger.debug("metadata fetch failed: %s", e)')
    found = findings(tmp_path, {"pkg/fetch.py": FETCH}, {"pkg/fetch.py": after})
    assert "retry.changed" in kinds(found)


def test_python_a_renamed_alias_and_a_new_log_line_in_a_retry_loop_change_nothing(tmp_path):
    after = FETCH.replace("            except RETRYABLE_ERRORS as e:\n"
                          '                logger.debug("metadata fetch failed: %s", e)',
                          "            except RETRYABLE_ERRORS as exc:\n"
                          '                logger.info("attempt %d of %d", i + 1, self._attempts)\n'
                          '                logger.debug("metadata fetch failed from %s: %s", self._url, exc)')
    found = findings(tmp_path, {"pkg/fetch.py": FETCH}, {"pkg/fetch.py": after})
    assert not _changes(found)


def test_python_a_longer_wait_between_attempts_changes_retry(tmp_path):
    after = FETCH.replace("time.sleep(0.5)", "time.sleep(2)")
    found = findings(tmp_path, {"pkg/fetch.py": FETCH}, {"pkg/fetch.py": after})
    assert "retry.changed" in kinds(found)


SKIP = '''import logging

logger = logging.getLogger(__name__)


def load_all(paths, parse):
    out = []
    for path in paths:
        try:
            out.append(parse(path))
        except ValueError as e:
            logger.warning("skipping %s: %s", path, e)
            continue
    return out
'''


def test_python_a_skip_on_error_loop_over_items_is_no_retry_whatever_it_catches(tmp_path):
    after = SKIP.replace("except ValueError as e:", "except (ValueError, OSError) as e:")
    found = findings(tmp_path, {"pkg/load.py": SKIP}, {"pkg/load.py": after})
    assert not _changes(found)
