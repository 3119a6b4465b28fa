"""The JavaScript/TypeScript retry and timeout scanner on real tree-sitter parses of realistic code."""

from __future__ import annotations

import pytest

from mergeguard.features import syntax
from mergeguard.features.resilience import INFINITE, javascript


def scan(text: str, language: str = "typescript"):
    tree = syntax.parse(text, language)
    assert tree is not None, f"no {language} grammar installed"
    return javascript.scan(syntax.Source(f"f.{language}", "post", language, text, tree))


def only(items, **where):
    """The one construct/call matching ``where`` (fails loudly when none or several do)."""
    hits = [i for i in items if all(getattr(i, k) == v for k, v in where.items())]
    assert len(hits) == 1, f"expected one {where}, got {hits}"
    return hits[0]


def retries(s):
    return [c for c in s.constructs if c.kind == "retry"]


def timeouts(s):
    return [c for c in s.constructs if c.kind == "timeout"]


# -- retry libraries ---------------------------------------------------------------------------------

PAYMENTS = """import pRetry from 'p-retry';
import axios from 'axios';

export class PaymentsClient {
  async charge(order: Order): Promise<Receipt> {
    return pRetry(
      () => axios.post('/charges', order, { headers: { 'Idempotency-Key': order.id }, timeout: 5000 }),
      { retries: 4, factor: 3, minTimeout: 200, randomize: true },
    );
  }

  async refund(order: Order): Promise<void> {
    await pRetry(() => axios.post('/refunds', order, { timeout: 5000 }));
  }
}
"""


def test_p_retry_options_method_and_idempotency_key():
    s = scan(PAYMENTS)
    charge = only(retries(s), scope="PaymentsClient.charge")
    assert (charge.library, charge.line, charge.end_line) == ("p-retry", 6, 9)
    assert charge.attempts == 5 and charge.backoff == "exponential" and charge.jitter is True
    assert charge.method == "POST" and charge.idempotency_key is True
    assert charge.target == "axios.post" and "axios.post" in charge.calls


def test_p_retry_defaults_are_node_retry_defaults():
    refund = only(retries(scan(PAYMENTS)), scope="PaymentsClient.refund")
    assert refund.attempts == 11  # retries: 10 by default, plus the first try
    assert refund.backoff == "exponential" and refund.jitter is False
    assert refund.method == "POST" and refund.idempotency_key is False


def test_async_retry_by_require_with_fixed_factor_and_named_function():
    s = scan("""const retry = require('async-retry');
const fetch = require('node-fetch');

async function loadProfile(id) {
  const res = await fetch(`https://api/profiles/${id}`, { method: 'PUT' });
  return res.json();
}

module.exports.sync = async function sync(id) {
  return retry(loadProfile, { retries: 2, factor: 1 });
};
""", "javascript")
    r = only(retries(s))
    assert (r.library, r.line, r.scope) == ("async-retry", 10, "sync")
    assert r.attempts == 3 and r.backoff == "fixed"
    assert r.target == "loadProfile" and "fetch" in r.calls and r.method == "PUT"


AXIOS_RETRY = """import axios from 'axios';
import axiosRetry from 'axios-retry';

const api = axios.create({ baseURL: process.env.API_URL });
axiosRetry(api);
axiosRetry(axios, { retries: 6, retryDelay: axiosRetry.exponentialDelay });
"""


def test_axios_retry_default_has_no_backoff_and_exponential_delay_is_read():
    s = scan(AXIOS_RETRY)
    plain = only(retries(s), line=5)
    assert (plain.library, plain.target, plain.attempts, plain.backoff) == ("axios-retry", "api", 4, "none")
    tuned = only(retries(s), line=6)
    assert (tuned.target, tuned.attempts, tuned.backoff, tuned.jitter) == ("axios", 7, "exponential", True)


def test_cockatiel_limits_and_backoff():
    s = scan("""import { retry, handleAll, handleType, ExponentialBackoff, ConstantBackoff } from 'cockatiel';

export const dbRetry = retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() });
export const forever = retry(handleType(NetworkError), { backoff: new ConstantBackoff(50) });
export const immediate = retry(handleAll, { maxAttempts: 2 });
""")
    db = only(retries(s), target="dbRetry")
    assert (db.library, db.attempts, db.backoff) == ("cockatiel", 4, "exponential")
    assert only(retries(s), target="forever").attempts == INFINITE
    assert only(retries(s), target="forever").backoff == "fixed"
    assert only(retries(s), target="immediate").backoff == "none"


def test_got_and_ky_retry_options():
    s = scan("""import got from 'got';
import ky from 'ky';

export async function search(q: string) {
  const a = await got.get('https://search/api', { searchParams: { q }, retry: { limit: 5 }, timeout: { request: 8000 } });
  const b = await ky.post('https://search/log', { json: { q }, retry: 0 });
  return [a, b];
}
""")
    g = only(retries(s), library="got")
    assert (g.attempts, g.backoff, g.target, g.scope, g.line) == (6, "exponential", "got.get", "search", 5)
    k = only(retries(s), library="ky")
    assert k.attempts == 1
    t = only(timeouts(s), library="got")
    assert (t.target, t.seconds) == ("timeout.request", 8.0)


# -- hand-written loops ------------------------------------------------------------------------------

LOOPS = """import { setTimeout as sleep } from 'node:timers/promises';

const MAX_ATTEMPTS = 5;

export async function postWithRetry(url: string, body: unknown) {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(3000) });
      if (res.ok) return res.json();
    } catch (err) {
      await sleep(100 * 2 ** attempt + Math.random() * 50);
    }
  }
  throw new Error('gave up');
}

export async function waitForLeader(client) {
  while (true) {
    try {
      return await client.leader();
    } catch (e) {
      continue;
    }
  }
}

export async function bounded(client) {
  let attempt = 0;
  while (true) {
    try {
      return await client.ping();
    } catch (e) {
      if (++attempt >= 3) throw e;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

export async function sendAll(items) {
  for (const item of items) {
    try { return await send(item); } catch (e) { log(e); }
  }
  for (let i = 0; i < items.length; i++) {
    try { await send(items[i]); } catch (e) { log(e); }
  }
  for (let i = 0; i < 3; i++) {
    try { return await send(items[i]); } catch (e) { throw e; }
  }
  for (let i = 0; i < 3; i++) {
    try { return await primary(); } catch (e) { return fallback(); }
  }
}
"""


def test_for_loop_retry_with_exponential_sleep():
    r = only(retries(scan(LOOPS)), scope="postWithRetry")
    assert (r.library, r.line, r.attempts, r.backoff, r.jitter) == ("loop", 6, 5, "exponential", True)
    assert r.method == "POST" and r.idempotency_key is False and "fetch" in r.calls


def test_while_true_without_sleep_is_unbounded_without_backoff():
    r = only(retries(scan(LOOPS)), scope="waitForLeader")
    assert r.attempts == INFINITE and r.backoff == "none"


def test_while_true_with_counted_throw_is_bounded_fixed():
    r = only(retries(scan(LOOPS)), scope="bounded")
    assert r.attempts == 3 and r.backoff == "fixed"


def test_iteration_rethrow_and_fallback_loops_are_not_retries():
    assert [r for r in retries(scan(LOOPS)) if r.scope == "sendAll"] == []


# -- timeouts ---------------------------------------------------------------------------------------

TIMEOUTS = """import axios from 'axios';
import http from 'node:http';
import { Pool } from 'pg';

const REQUEST_TIMEOUT_MS = 30 * 1000;
export const api = axios.create({ baseURL: 'https://orders', timeout: REQUEST_TIMEOUT_MS });
export const pool = new Pool({ connectionTimeoutMillis: 2000, statement_timeout: 10000 });

export async function lookup(id: string) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 2500);
  try {
    return await fetch(`/orders/${id}`, { signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

export function race(id: string) {
  return Promise.race([
    api.get(`/slow/${id}`),
    new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 750)),
  ]);
}

const server = http.createServer(handler);
server.setTimeout(0);
server.requestTimeout = 120000;
"""


def test_timeout_values_are_normalised_to_seconds():
    s = scan(TIMEOUTS)
    assert only(timeouts(s), library="axios").seconds == 30.0
    assert only(timeouts(s), target="connectionTimeoutMillis").seconds == 2.0
    assert only(timeouts(s), target="statement_timeout").seconds == 10.0
    abort = only(timeouts(s), library="setTimeout.abort")
    assert (abort.seconds, abort.scope, abort.line) == (2.5, "lookup", 11)
    race = only(timeouts(s), library="Promise.race")
    assert (race.seconds, race.target, race.scope) == (0.75, "api.get", "race")


def test_zero_means_no_timeout_where_the_api_says_so():
    s = scan(TIMEOUTS)
    assert only(timeouts(s), target="setTimeout").seconds == INFINITE  # server.setTimeout(0) disables it
    assert only(timeouts(s), target="requestTimeout").seconds == 120.0
    s2 = scan("import axios from 'axios';\nimport ky from 'ky';\n"
              "axios.defaults.timeout = 0;\nexport const k = ky.extend({ timeout: false });\n")
    assert only(timeouts(s2), library="axios").seconds == INFINITE
    assert only(timeouts(s2), target="timeout", library="ky").seconds == INFINITE


def test_abort_signal_timeout_names_the_call_it_bounds():
    t = only(timeouts(scan(LOOPS)), library="AbortSignal.timeout")
    assert (t.target, t.seconds, t.scope, t.line) == ("fetch", 3.0, "postWithRetry", 8)


# -- network calls (timeout.missing) -----------------------------------------------------------------

def test_calls_with_and_without_timeouts():
    s = scan("""import axios from 'axios';
import got from 'got';
import ky from 'ky';
import https from 'node:https';

const bounded = axios.create({ timeout: 4000 });

export async function sync(id: string) {
  await fetch('/a');
  await fetch('/b', { signal: AbortSignal.timeout(1000) });
  await axios.get('/c');
  await bounded.post('/d', { id });
  await got('/e');
  await ky.get('/f');
  https.request({ host: 'x', timeout: 2000 }, cb);
}
""")
    calls = {c.line: c for c in s.calls}
    assert (calls[9].library, calls[9].has_timeout, calls[9].default_is_unbounded) == ("fetch", False, True)
    assert calls[10].has_timeout is True
    assert (calls[11].callee, calls[11].has_timeout) == ("axios.get", False)
    assert (calls[12].library, calls[12].has_timeout) == ("axios", True)
    assert (calls[13].library, calls[13].has_timeout) == ("got", False)
    assert (calls[14].library, calls[14].default_is_unbounded) == ("ky", False)
    assert (calls[15].library, calls[15].has_timeout, calls[15].scope) == ("node:http", True, "sync")


def test_axios_defaults_timeout_covers_every_axios_call_in_the_file():
    s = scan("import axios from 'axios';\nexport const get = (u) => axios.get(u);\naxios.defaults.timeout = 3000;\n")
    assert only(s.calls, callee="axios.get").has_timeout is True


def test_tsx_component_fetch():
    s = scan("""import { useEffect, useState } from 'react';

export function Orders({ id }: { id: string }) {
  const [data, setData] = useState(null);
  useEffect(() => {
    fetch(`/api/orders/${id}`, { signal: AbortSignal.timeout(8000) }).then((r) => r.json()).then(setData);
  }, [id]);
  return <div className="timeout retry">{JSON.stringify(data)}</div>;
}
""", "tsx")
    assert only(timeouts(s)).seconds == 8.0 and only(timeouts(s)).scope == "Orders"
    assert only(s.calls).has_timeout is True
    assert retries(s) == []


# -- words that must not fire ------------------------------------------------------------------------

def test_comments_strings_and_test_names_do_not_fire():
    s = scan("""import pRetry from 'p-retry';

// pRetry(() => axios.post('/x'), { retries: 100 }); timeout: 0
/* axiosRetry(axios, { retries: 3 }); setTimeout(() => c.abort(), 5) */
const help = "use pRetry(fn, {retries: 3}) and AbortSignal.timeout(5000); while (true) { try {} catch {} }";
const tpl = `fetch(url, { timeout: 0 }) axios.defaults.timeout = 0`;

describe('retry with pRetry and a timeout of 0', () => {
  it('retries the POST when the timeout fires', () => {
    expect(help).toContain('retry');
  });
});
""")
    assert s.constructs == [] and s.calls == []


@pytest.mark.parametrize("language", ["javascript", "typescript", "tsx"])
def test_same_detection_in_every_js_grammar(language):
    s = scan("import pRetry from 'p-retry';\nexport const run = () => pRetry(() => fetch('/x'), { retries: 2 });\n",
             language)
    r = only(retries(s))
    assert (r.attempts, r.scope, r.target) == (3, "run", "fetch")
    assert only(s.calls).has_timeout is False


def test_test_runner_timeouts_are_not_production_timeouts():
    s = scan("""jest.setTimeout(30000);
describe('orders', () => {
  it('loads', async () => { await load(); }, { timeout: 0 });
  test('saves', async () => { await save(); }, 10000);
});
""")
    assert timeouts(s) == []


def test_bookkeeping_and_unknown_callees_are_not_timeout_settings():
    s = scan("""const defaults = Object.freeze({ sessionTimeout: 1000 });
export class Poller {
  constructor(opts) {
    this.timeout = null;
    this._timer = setTimeout(() => this.tick(), 1000);
    this.onTimeout = this.emitter.addListener;
    helper({ timeout: 0 });
  }
}
exports.createTimeout = function (attempt) { return attempt * 1000; };
""", "javascript")
    assert timeouts(s) == []


def test_cockatiel_fluent_api_of_versions_1_and_2():
    s = scan("""const { Policy } = require('cockatiel');

const exponential = Policy.handleAll().retry().attempts(3).exponential();
const once = Policy.handleType(NetworkError).retry();
const fixed = Policy.handleAll().retry().delay(100);
""", "javascript")
    e = only(retries(s), target="exponential")
    assert (e.library, e.attempts, e.backoff, e.line) == ("cockatiel", 4, "exponential", 3)
    assert (only(retries(s), target="once").attempts, only(retries(s), target="once").backoff) == (2, "none")
    assert only(retries(s), target="fixed").backoff == "fixed"
