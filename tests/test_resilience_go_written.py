"""Go shapes of issue 13 found by writing idiomatic retry and timeout changes (net/http, context, flag,
loggers) rather than by reading corpus commits: each positive beside a negative of the same shape.
Real git histories and real tree-sitter parses."""

from __future__ import annotations

from tests.retry_changes import file_findings as findings
from tests.retry_changes import kinds

# -- a log line in a retry loop reports, it decides nothing -----------------------------------------------

SEND = '''package client

import (
	"log"
	"time"
)

func (c *Client) sendWithRetry(req *Request) error {
	for attempt := 0; attempt < 3; attempt++ {
		if err := c.send(req); err != nil {
			log.Printf("send failed: %v", err)
			time.Sleep(time.Second)
			continue
		}
		return nil
	}
	return errFailed
}
'''


def test_go_an_attempt_number_added_to_a_log_line_is_no_retry_change(tmp_path):
    for told in ('log.Printf("send failed (attempt %d, will retry): %v", attempt+1, err)',
                 'c.logger.Warnf("send failed on attempt %d of %d", attempt+1, 3)',
                 'c.log.Warn("send failed", zap.Int("attempt", attempt+1), zap.Error(err))'):
        after = SEND.replace('log.Printf("send failed: %v", err)', told)
        assert kinds(findings(tmp_path, "client.go", SEND, after)) == set(), told


def test_go_the_same_computation_deciding_the_wait_is_a_retry_change(tmp_path):
    after = SEND.replace("time.Sleep(time.Second)", "time.Sleep(time.Duration(attempt+1) * time.Second)")
    assert "retry.changed" in kinds(findings(tmp_path, "client.go", SEND, after))
