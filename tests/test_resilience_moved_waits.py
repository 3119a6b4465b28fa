"""Stop 27: a wait of the same duration taken off some calls and put on others moved
(``retry_timeout._cancel_moved_waits``).

Found on the dev part in two repositories (calls merged into a helper that passes the same timeout; reads
that drain with a zero timeout moved into the transport), each read as a timeout removed and one added:
a false ``changes_timeout``. The rule is by duration, so it holds in every language; tested here in
Python and Go with real git histories and real tree-sitter parses, next to what must still fire: another
duration, a wait removed with none added, a wait added with none removed."""

from __future__ import annotations

from tests.retry_changes import file_findings, findings, kinds

TIMEOUTS = {"timeout.added", "timeout.removed", "timeout.changed"}

# -- Python: two requests calls merged into a helper that passes the same timeout -------------------------

METADATA_PY = '''import requests

METADATA_URL = "http://169.254.169.254/latest/meta-data/"


def instance_role():
    response = requests.get(METADATA_URL + "iam/security-credentials/", timeout=1)
    return response.text.strip()


def role_credentials(role):
    response = requests.get(METADATA_URL + "iam/security-credentials/" + role, timeout=1)
    return response.json()
'''

METADATA_HELPER_PY = '''import requests

METADATA_URL = "http://169.254.169.254/latest/meta-data/"


def _get(path, timeout=1):
    return requests.get(METADATA_URL + path, timeout=timeout)


def instance_role():
    return _get("iam/security-credentials/").text.strip()


def role_credentials(role):
    return _get("iam/security-credentials/" + role).json()
'''


def test_python_same_timeout_moved_into_a_helper_is_no_timeout_change(tmp_path):
    found = file_findings(tmp_path, "pkg/metadata.py", METADATA_PY, METADATA_HELPER_PY)
    assert kinds(found) & TIMEOUTS == set()


def test_python_helper_with_another_timeout_still_changes(tmp_path):
    after = METADATA_HELPER_PY.replace("def _get(path, timeout=1):", "def _get(path, timeout=5):")
    assert kinds(file_findings(tmp_path, "pkg/metadata.py", METADATA_PY, after)) & TIMEOUTS


def test_python_timeout_dropped_with_none_added_is_still_removed(tmp_path):
    after = METADATA_PY.replace(', timeout=1)', ')')
    assert "timeout.removed" in kinds(file_findings(tmp_path, "pkg/metadata.py", METADATA_PY, after))


# -- Go: a per-call deadline moved from each call into the transport, across files ---------------------------

CLIENT_GO = '''package store

import (
	"context"
	"time"
)

func (c *Client) Get(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return c.t.RoundTrip(ctx, "GET", key, nil)
}

func (c *Client) Put(ctx context.Context, key string, v []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := c.t.RoundTrip(ctx, "PUT", key, v)
	return err
}
'''

CLIENT_GO_AFTER = '''package store

import "context"

func (c *Client) Get(ctx context.Context, key string) ([]byte, error) {
	return c.t.RoundTrip(ctx, "GET", key, nil)
}

func (c *Client) Put(ctx context.Context, key string, v []byte) error {
	_, err := c.t.RoundTrip(ctx, "PUT", key, v)
	return err
}
'''

TRANSPORT_GO = '''package store

import "context"

func (t *Transport) RoundTrip(ctx context.Context, method, key string, body []byte) ([]byte, error) {
	conn, err := t.pool.Get(ctx)
	if err != nil {
		return nil, err
	}
	defer t.pool.Put(conn)
	return conn.Do(ctx, method, key, body)
}
'''

TRANSPORT_GO_AFTER = '''package store

import (
	"context"
	"time"
)

func (t *Transport) RoundTrip(ctx context.Context, method, key string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := t.pool.Get(ctx)
	if err != nil {
		return nil, err
	}
	defer t.pool.Put(conn)
	return conn.Do(ctx, method, key, body)
}
'''


def test_go_same_deadline_moved_into_the_transport_is_no_timeout_change(tmp_path):
    found = findings(tmp_path, {"store/client.go": CLIENT_GO, "store/transport.go": TRANSPORT_GO},
                     {"store/client.go": CLIENT_GO_AFTER, "store/transport.go": TRANSPORT_GO_AFTER})
    assert kinds(found) & TIMEOUTS == set()


def test_go_deadline_moved_with_another_duration_still_changes(tmp_path):
    found = findings(tmp_path, {"store/client.go": CLIENT_GO, "store/transport.go": TRANSPORT_GO},
                     {"store/client.go": CLIENT_GO_AFTER,
                      "store/transport.go": TRANSPORT_GO_AFTER.replace("5*time.Second", "30*time.Second")})
    assert {"timeout.added", "timeout.removed"} <= kinds(found)


def test_go_deadline_added_with_none_removed_is_still_added(tmp_path):
    found = findings(tmp_path, {"store/transport.go": TRANSPORT_GO}, {"store/transport.go": TRANSPORT_GO_AFTER})
    assert "timeout.added" in kinds(found)
