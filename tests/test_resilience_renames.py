"""Stop 27: a name the change renames consistently decides nothing new (``features/resilience/renames.py``).

Found on the dev part in three repositories and three languages (an option key renamed with its reads,
JavaScript; a local renamed at its declaration and every use, Kotlin; a timeout attribute renamed where
sockets read it, Python), each a false ``changes_retry``/``changes_timeout``. Real git histories and real
tree-sitter parses; each rename next to the change of the same shape that must still fire: a swap to
another name both images have, a key renamed once (read by code the change does not show), a value
changed with the name."""

from __future__ import annotations

from mergeguard.features.resilience import renames
from mergeguard.features.retry_timeout import _same_thing
from tests.retry_changes import file_findings, kinds

CHANGES = {"retry.added", "retry.removed", "retry.changed", "timeout.added", "timeout.removed", "timeout.changed"}


def changes(found) -> set[str]:
    return kinds(found) & CHANGES


# -- JavaScript: an option key renamed with every read of it ------------------------------------------

CLIENT_JS = '''const retryMethods = ['get', 'put', 'head', 'delete'];

const defaultRetryOptions = {
	retries: 2,
	methods: retryMethods,
	afterStatusCodes: [413, 429, 503]
};

const normalizeRetryOptions = retry => {
	if (typeof retry === 'number') {
		return {...defaultRetryOptions, retries: retry};
	}
	return {...defaultRetryOptions, ...retry};
};

class Client {
	constructor(options) {
		this._retryCount = 0;
		this._options = {...options, retry: normalizeRetryOptions(options.retry)};
	}

	_calculateRetryDelay(error) {
		this._retryCount++;
		if (this._retryCount < this._options.retry.retries) {
			return 0.3 * (2 ** (this._retryCount - 1)) * 1000;
		}
		return 0;
	}
}

module.exports = Client;
'''


def test_js_option_key_renamed_with_its_reads_is_no_retry_change(tmp_path):
    after = CLIENT_JS.replace("retries", "limit")
    assert changes(file_findings(tmp_path, "src/client.js", CLIENT_JS, after)) == set()


def test_js_option_key_renamed_and_its_default_changed_still_changes(tmp_path):
    after = CLIENT_JS.replace("retries", "limit").replace("limit: 2", "limit: 5")
    assert changes(file_findings(tmp_path, "src/client.js", CLIENT_JS, after)) == {"retry.removed"}


def test_js_option_key_renamed_once_is_still_a_removal(tmp_path):
    # written once and handed to a library: its reader is not in the change, and the library no longer sees it
    before = "const axios = require('axios');\n\nconst api = axios.create({\n\tbaseURL: '/api',\n\ttimeout: 5000\n});\n\nmodule.exports = api;\n"
    after = before.replace("timeout: 5000", "wait: 5000")
    assert "timeout.removed" in kinds(file_findings(tmp_path, "src/api.js", before, after))


# -- Kotlin: a local renamed at its declaration and every use -------------------------------------------

ENDPOINT_KT = '''package io.example.client

class Endpoint(private val config: EndpointConfig, private val factory: ConnectionFactory) {
    private suspend fun connect(address: Address): Socket {
        val retryAttempts = config.connectRetryAttempts
        var timeoutFails = 0
        repeat(retryAttempts) {
            try {
                return factory.connect(address)
            } catch (cause: SocketTimeoutException) {
                timeoutFails++
            }
        }
        throw failure(retryAttempts, timeoutFails)
    }

    private fun failure(retryAttempts: Int, timeoutFails: Int): Throwable =
        when (timeoutFails) {
            retryAttempts -> ConnectTimeoutException()
            else -> FailToConnectException()
        }
}
'''


def test_kotlin_local_renamed_everywhere_is_no_retry_change(tmp_path):
    after = ENDPOINT_KT.replace("connectRetryAttempts", "connectAttempts").replace("retryAttempts", "connectAttempts")
    assert changes(file_findings(tmp_path, "client/src/Endpoint.kt", ENDPOINT_KT, after)) == set()


def test_kotlin_condition_swapped_to_another_setting_still_changes(tmp_path):
    # both names are read before and after: the give-up test now compares with the other setting
    before = ENDPOINT_KT.replace(
        "        var timeoutFails = 0\n",
        "        val readAttempts = config.readRetryAttempts\n        var timeoutFails = 0\n").replace(
        "        throw failure(retryAttempts, timeoutFails)",
        "        if (timeoutFails < readAttempts) throw FailToConnectException()\n"
        "        throw failure(retryAttempts, timeoutFails)")
    after = before.replace("if (timeoutFails < readAttempts)", "if (timeoutFails < retryAttempts)")
    assert "retry.changed" in kinds(file_findings(tmp_path, "client/src/Endpoint.kt", before, after))


# -- Python: a timeout attribute renamed where sockets read it ---------------------------------------

CONNECTION_PY = '''import socket


class Timeouts:
    def __init__(self, connect=None, request=None):
        self.connect_timeout = connect
        self.request_timeout = request


class Connection:
    def __init__(self, host, port, timeouts):
        self.host = host
        self.port = port
        self.timeouts = timeouts

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeouts.connect_timeout)
        sock.settimeout(self.timeouts.request_timeout)
        self.sock = sock

    def reset(self):
        self.sock.settimeout(self.timeouts.request_timeout)
'''


def test_python_timeout_attribute_renamed_everywhere_is_no_timeout_change(tmp_path):
    after = CONNECTION_PY.replace("request_timeout", "read_timeout")
    assert changes(file_findings(tmp_path, "pkg/connection.py", CONNECTION_PY, after)) == set()


def test_python_socket_timeout_swapped_to_another_attribute_still_changes(tmp_path):
    # ``connect_timeout`` is read before and after: the socket now waits as long as the connect does
    after = CONNECTION_PY.replace("    def reset(self):\n        self.sock.settimeout(self.timeouts.request_timeout)",
                                  "    def reset(self):\n        self.sock.settimeout(self.timeouts.connect_timeout)")
    assert "timeout.changed" in kinds(file_findings(tmp_path, "pkg/connection.py", CONNECTION_PY, after))


# -- Go: a retry setting renamed with its uses ------------------------------------------------------

POOL_GO = '''package pool

import "time"

const defaultMaxRetries = 3

type Options struct {
	MaxRetries int
	Backoff    time.Duration
}

func (p *Pool) dial() (*Conn, error) {
	var err error
	for attempt := 0; attempt <= p.opt.MaxRetries; attempt++ {
		if attempt > 0 {
			time.Sleep(p.opt.Backoff)
		}
		var cn *Conn
		if cn, err = p.dialer(); err == nil {
			return cn, nil
		}
	}
	return nil, err
}

func NewOptions() *Options {
	return &Options{MaxRetries: defaultMaxRetries, Backoff: 8 * time.Millisecond}
}
'''


def test_go_retry_field_renamed_with_its_uses_is_no_retry_change(tmp_path):
    after = POOL_GO.replace("MaxRetries", "MaxAttemptsAfterFirst")
    assert changes(file_findings(tmp_path, "pool/pool.go", POOL_GO, after)) == set()


def test_go_retry_field_renamed_and_its_default_changed_still_changes(tmp_path):
    after = POOL_GO.replace("MaxRetries", "MaxAttemptsAfterFirst").replace(
        "MaxAttemptsAfterFirst: defaultMaxAttemptsAfterFirst", "MaxAttemptsAfterFirst: 1")
    assert changes(file_findings(tmp_path, "pool/pool.go", POOL_GO, after))


# -- the pure function -------------------------------------------------------------------------------

def test_consistent_needs_a_binding_or_the_same_setting_and_two_witnesses():
    pre = "a = cfg.connectTimeout\nb = cfg.responseTimeout\nuse(a)\n"
    swapped = "a = cfg.responseTimeout\nb = cfg.responseTimeout\nuse(a)\n"
    # a swap to a name the file already read is no rename, however often it is seen
    assert renames.consistent([([(["a = cfg.connectTimeout"], ["a = cfg.responseTimeout"])], pre, swapped)],
                              _same_thing) == {}
    hunks = [(["retries = 2", "if n < retries:"], ["limit = 2", "if n < limit:"])]
    assert renames.consistent([(hunks, "retries = 2\nif n < retries:\n", "limit = 2\nif n < limit:\n")],
                              _same_thing) == {"retries": "limit"}
    one = [(["retries = 2"], ["limit = 2"])]
    assert renames.consistent([(one, "retries = 2\n", "limit = 2\n")], _same_thing) == {}


# -- Stop 28: a setting renamed with the tag, flag or environment variable spelled after it ------------------

CONFIG_GO = '''package config

import "flag"

const defaultHeartbeatTimeout = 50

type PeerConfig struct {
	HeartbeatTimeout int `toml:"heartbeat_timeout" env:"APP_PEER_HEARTBEAT_TIMEOUT"`
	ElectionTimeout  int `toml:"election_timeout" env:"APP_PEER_ELECTION_TIMEOUT"`
}

func (c *PeerConfig) Defaults() {
	c.HeartbeatTimeout = defaultHeartbeatTimeout
	c.ElectionTimeout = 200
}

func (c *PeerConfig) Flags(f *flag.FlagSet) {
	f.IntVar(&c.HeartbeatTimeout, "peer-heartbeat-timeout", c.HeartbeatTimeout, "")
	f.IntVar(&c.ElectionTimeout, "peer-election-timeout", c.ElectionTimeout, "")
}
'''


def test_go_field_renamed_with_its_tag_and_flag_is_no_timeout_change(tmp_path):
    after = CONFIG_GO.replace("HeartbeatTimeout", "HeartbeatInterval").replace(
        "heartbeat_timeout", "heartbeat_interval").replace("HEARTBEAT_TIMEOUT", "HEARTBEAT_INTERVAL").replace(
        "heartbeat-timeout", "heartbeat-interval")
    assert changes(file_findings(tmp_path, "config/config.go", CONFIG_GO, after)) == set()


def test_go_field_renamed_with_its_tag_and_its_default_changed_still_changes(tmp_path):
    after = CONFIG_GO.replace("HeartbeatTimeout", "HeartbeatInterval").replace(
        "heartbeat_timeout", "heartbeat_interval").replace("HEARTBEAT_TIMEOUT", "HEARTBEAT_INTERVAL").replace(
        "heartbeat-timeout", "heartbeat-interval").replace("const defaultHeartbeatInterval = 50",
                                                           "const defaultHeartbeatInterval = 100")
    assert changes(file_findings(tmp_path, "config/config.go", CONFIG_GO, after))


CLIENT_PY_CONFIG = '''import os


class Settings:
    def __init__(self):
        self.read_timeout = float(os.environ.get("CLIENT_READ_TIMEOUT", 30))
        self.connect_timeout = 5

    def apply(self, session):
        session.read_timeout = self.read_timeout
        session.connect_timeout = self.connect_timeout
'''


def test_python_attribute_renamed_with_its_environment_variable_is_no_timeout_change(tmp_path):
    after = CLIENT_PY_CONFIG.replace("read_timeout", "response_timeout").replace("READ_TIMEOUT", "RESPONSE_TIMEOUT")
    assert changes(file_findings(tmp_path, "client/settings.py", CLIENT_PY_CONFIG, after)) == set()


def test_python_attribute_renamed_and_its_environment_default_changed_still_changes(tmp_path):
    after = CLIENT_PY_CONFIG.replace("read_timeout", "response_timeout").replace(
        "READ_TIMEOUT", "RESPONSE_TIMEOUT").replace("_TIMEOUT\", 30)", "_TIMEOUT\", 60)")
    assert changes(file_findings(tmp_path, "client/settings.py", CLIENT_PY_CONFIG, after))


def test_apply_renames_every_spelling_of_a_name_of_two_words_and_no_longer_word():
    renamed = {"HeartbeatTimeout": "HeartbeatInterval"}
    assert renames.spellings("HeartbeatTimeout") == ["heartbeat_timeout", "HEARTBEAT_TIMEOUT", "heartbeat-timeout"]
    assert renames.apply('HeartbeatTimeout int `toml:"heartbeat_timeout" env:"APP_HEARTBEAT_TIMEOUT"`', renamed) == \
        'HeartbeatInterval int `toml:"heartbeat_interval" env:"APP_HEARTBEAT_INTERVAL"`'
    assert renames.apply('f.IntVar(&c.HeartbeatTimeout, "peer-heartbeat-timeout", 0, "")', renamed) == \
        'f.IntVar(&c.HeartbeatInterval, "peer-heartbeat-interval", 0, "")'
    # a longer word is another name; a name of one word is renamed as a name only
    assert renames.apply("HEARTBEAT_TIMEOUTS", renamed) == "HEARTBEAT_TIMEOUTS"
    assert renames.spellings("retries") == [] and renames.apply('"retries"', {"retries": "limit"}) == '"limit"'
