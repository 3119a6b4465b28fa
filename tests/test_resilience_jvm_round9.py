"""Issue 13, stop 18: families of Java and Kotlin changes met on round 9's fresh dev commits (okhttp,
spring-retry, failsafe, httpcomponents, ktor), each rule for a shape seen in more than one place. Real git
histories and real tree-sitter parses through the same extractor the benchmark runs; every negative
next to the positive of the same shape that must still fire (``docs/retry_timeout.md``, "Stop 18")."""

from __future__ import annotations

from tests.retry_changes import file_findings, findings, kinds

# -- a new retry that repeats the file's existing policy brings no new anti-pattern ------------------
# (okhttp: flush() and close() recover from a failed stream the way write() already did; spring-retry:
# a builder whose defaults are the template's own 3 attempts without backoff)

JAVA_PATH = "src/main/java/com/acme/io/RecoveringOutputStream.java"

JAVA_STREAM = """package com.acme.io;

import java.io.IOException;
import java.io.OutputStream;

public abstract class RecoveringOutputStream extends OutputStream {
  private OutputStream out;

  @Override public final void write(byte[] buffer, int offset, int count) throws IOException {
    while (true) {
      try {
        out.write(buffer, offset, count);
        return;
      } catch (IOException e) {
        if (!recover(e)) throw e;
      }
    }
  }

  @Override public final void flush() throws IOException {
    out.flush();
  }
%s
  private boolean recover(IOException e) {
    OutputStream replacement = replacementStream(e);
    if (replacement == null) return false;
    out = replacement;
    return true;
  }

  protected abstract OutputStream replacementStream(IOException e);
}
"""

JAVA_FLUSH_COPIED = JAVA_STREAM.replace("""    out.flush();
""", """    while (true) {
      try {
        out.flush();
        return;
      } catch (IOException e) {
        if (!recover(e)) throw e;
      }
    }
""")

# the same new loop in a file whose existing loop waits between its attempts: the new one does not
JAVA_FLUSH_OTHERWISE = JAVA_STREAM.replace("""        if (!recover(e)) throw e;
      }
    }
  }

  @Override public final void flush() throws IOException {
    out.flush();
""", """        if (!recover(e)) throw e;
        Thread.sleep(500);
      }
    }
  }

  @Override public final void flush() throws IOException {
    while (true) {
      try {
        out.flush();
        return;
      } catch (IOException e) {
        if (!recover(e)) throw e;
      }
    }
""")
JAVA_STREAM_WAITING = JAVA_STREAM.replace("""        if (!recover(e)) throw e;
      }""", """        if (!recover(e)) throw e;
        Thread.sleep(500);
      }""")


def _anti(found) -> list[tuple[str, int]]:
    return sorted((f.kind, f.line) for f in found if f.kind in (
        "retry.without_backoff", "retry.without_limit", "retry.non_idempotent", "timeout.unbounded"))


def test_java_a_loop_copied_from_one_the_file_already_has_adds_a_retry_but_no_anti_pattern(tmp_path):
    found = file_findings(tmp_path, JAVA_PATH, JAVA_STREAM % "", JAVA_FLUSH_COPIED % "")
    assert "retry.added" in kinds(found)
    assert _anti(found) == []


def test_java_a_new_loop_without_backoff_beside_one_that_waits_still_fires(tmp_path):
    found = file_findings(tmp_path, JAVA_PATH, JAVA_STREAM_WAITING % "", JAVA_FLUSH_OTHERWISE % "")
    assert ("retry.without_backoff", 22) in _anti(found)


def test_java_a_first_loop_without_backoff_still_fires(tmp_path):
    before = JAVA_STREAM.replace("""    while (true) {
      try {
        out.write(buffer, offset, count);
        return;
      } catch (IOException e) {
        if (!recover(e)) throw e;
      }
    }""", """    out.write(buffer, offset, count);""")
    after = before.replace("""    out.flush();
""", """    while (true) {
      try {
        out.flush();
        return;
      } catch (IOException e) {
        if (!recover(e)) throw e;
      }
    }
""")
    assert _anti(file_findings(tmp_path, JAVA_PATH, before % "", after % "")) == [("retry.without_backoff", 14)]


TEMPLATE_PATH = "src/main/java/org/acme/retry/support/Templates.java"

TEMPLATE = """package org.acme.retry.support;

import org.springframework.retry.support.RetryTemplate;

public class Templates {

  public RetryTemplate standard() {
    return RetryTemplate.builder().maxAttempts(3).build();
  }
%s}
"""

BUILDER_DEFAULTS = """
  public static RetryTemplate newDefaultInstance() {
    return new RetryTemplateBuilder().build();
  }
"""


def test_java_a_builder_whose_defaults_mirror_the_files_template_adds_no_anti_pattern(tmp_path):
    found = file_findings(tmp_path, TEMPLATE_PATH, TEMPLATE % "", TEMPLATE % BUILDER_DEFAULTS)
    assert "retry.added" in kinds(found)
    assert _anti(found) == []


def test_java_a_builder_with_other_attempts_than_the_files_template_still_fires(tmp_path):
    other = BUILDER_DEFAULTS.replace("new RetryTemplateBuilder().build()",
                                     "new RetryTemplateBuilder().maxAttempts(10).build()")
    assert _anti(file_findings(tmp_path, TEMPLATE_PATH, TEMPLATE % "", TEMPLATE % other)) == [
        ("retry.without_backoff", 12)]


KOTLIN_PATH = "src/main/kotlin/com/acme/io/RecoveringSink.kt"

KOTLIN_SINK = """package com.acme.io

import java.io.IOException

abstract class RecoveringSink(private var out: Sink) {
  fun write(bytes: ByteArray) {
    while (true) {
      try {
        out.write(bytes)
        return
      } catch (e: IOException) {
        if (!recover(e)) throw e
      }
    }
  }

  fun flush() {
    out.flush()
  }

  private fun recover(e: IOException): Boolean {
    out = replacement(e) ?: return false
    return true
  }

  abstract fun replacement(e: IOException): Sink?
}
"""

KOTLIN_FLUSH_COPIED = KOTLIN_SINK.replace("""    out.flush()
""", """    while (true) {
      try {
        out.flush()
        return
      } catch (e: IOException) {
        if (!recover(e)) throw e
      }
    }
""")


def test_kotlin_a_loop_copied_from_one_the_file_already_has_adds_a_retry_but_no_anti_pattern(tmp_path):
    found = file_findings(tmp_path, KOTLIN_PATH, KOTLIN_SINK, KOTLIN_FLUSH_COPIED)
    assert "retry.added" in kinds(found)
    assert _anti(found) == []


def test_kotlin_a_first_loop_without_backoff_still_fires(tmp_path):
    before = KOTLIN_SINK.replace("""    while (true) {
      try {
        out.write(bytes)
        return
      } catch (e: IOException) {
        if (!recover(e)) throw e
      }
    }""", """    out.write(bytes)""")
    after = before.replace("""    out.flush()
""", """    while (true) {
      try {
        out.flush()
        return
      } catch (e: IOException) {
        if (!recover(e)) throw e
      }
    }
""")
    assert _anti(file_findings(tmp_path, KOTLIN_PATH, before, after)) == [("retry.without_backoff", 11)]


# -- a loop that moves on to the next route while one is left is bounded by the routes ----------------
# (okhttp: the connect-failure loop asks ``retryAfterFailure()``, which asks the route selector whether a
# route is left; Java and Kotlin alike)

JAVA_FINDER_PATH = "src/main/java/com/acme/net/ConnectionFinder.java"

JAVA_FINDER = """package com.acme.net;

import java.io.IOException;

final class ConnectionFinder {
  private RouteSelector routeSelector;
  private Route nextRoute;

  Connection find() throws IOException {
    return connect(nextRoute());
  }

  private boolean %s(IOException e) {
    if (nextRoute != null) return true;
    return %s;
  }
}
"""

JAVA_FINDER_LOOP = JAVA_FINDER.replace("""    return connect(nextRoute());
""", """    while (true) {
      try {
        return connect(nextRoute());
      } catch (IOException e) {
        if (!%s(e)) throw e;
      }
    }
""")


def test_java_a_loop_that_takes_the_next_route_while_one_is_left_is_no_anti_pattern(tmp_path):
    found = file_findings(tmp_path, JAVA_FINDER_PATH, JAVA_FINDER % ("hasMoreRoutes", "routeSelector.hasNext()"),
                          JAVA_FINDER_LOOP % ("hasMoreRoutes", "hasMoreRoutes", "routeSelector.hasNext()"))
    assert "retry.added" in kinds(found)
    assert _anti(found) == []


def test_java_a_loop_that_asks_only_about_the_error_still_goes_round_without_backoff(tmp_path):
    found = file_findings(tmp_path, JAVA_FINDER_PATH, JAVA_FINDER % ("isRecoverable", "!(e instanceof SSLException)"),
                          JAVA_FINDER_LOOP % ("isRecoverable", "isRecoverable", "!(e instanceof SSLException)"))
    assert _anti(found) == [("retry.without_backoff", 10)]


KOTLIN_FINDER_PATH = "src/main/kotlin/com/acme/net/ConnectionFinder.kt"

KOTLIN_FINDER = """package com.acme.net

import java.io.IOException

class ConnectionFinder(private val routeSelector: RouteSelector) {
  private var nextRoute: Route? = null

  fun find(): Connection {
    return connect(nextRoute())
  }

  private fun %s(): Boolean {
    if (nextRoute != null) return true
    return %s
  }
}
"""

KOTLIN_FINDER_LOOP = KOTLIN_FINDER.replace("""    return connect(nextRoute())
""", """    while (true) {
      try {
        return connect(nextRoute())
      } catch (e: IOException) {
        if (!%s()) {
          throw e
        }
      }
    }
""")


def test_kotlin_a_loop_that_takes_the_next_route_while_one_is_left_is_no_anti_pattern(tmp_path):
    found = file_findings(tmp_path, KOTLIN_FINDER_PATH, KOTLIN_FINDER % ("retryAfterFailure", "routeSelector.hasNext()"),
                          KOTLIN_FINDER_LOOP % ("retryAfterFailure", "retryAfterFailure", "routeSelector.hasNext()"))
    assert "retry.added" in kinds(found)
    assert _anti(found) == []


def test_kotlin_a_negated_policy_question_bounds_the_loop_which_still_goes_round_without_backoff(tmp_path):
    # ``!retryAfterFailure()`` asks the policy (tree-sitter-kotlin reads it as a call of ``!retryAfterFailure``):
    # bounded by it, not unlimited; a question about the error alone walks no routes, so no backoff is missing
    found = file_findings(tmp_path, KOTLIN_FINDER_PATH, KOTLIN_FINDER % ("retryAfterFailure", "lastError !is SSLException"),
                          KOTLIN_FINDER_LOOP % ("retryAfterFailure", "retryAfterFailure", "lastError !is SSLException"))
    assert _anti(found) == [("retry.without_backoff", 9)]


# -- how a backoff works out its next wait is retry policy, whatever the method is called ------------
# (spring-retry: a new exponential random backoff overriding ``getNextInterval()``, and a cap added to
# ``getSleepAndIncrement()`` in the old part; Feign's ``Retryer.Default.nextMaxInterval()`` has the shape)

BACKOFF_PATH = "src/main/java/org/acme/retry/backoff/ExponentialBackOffPolicy.java"

BACKOFF = """package org.acme.retry.backoff;

public class ExponentialBackOffPolicy implements BackOffPolicy {
  private long initialInterval = 100L;
  private long maxInterval = 30000L;
  private double multiplier = 2;

  public BackOffContext start() {
    return new ExponentialBackOffContext(initialInterval, multiplier, maxInterval);
  }

  static class ExponentialBackOffContext implements BackOffContext {
    private final double multiplier;
    private long interval;
    private final long maxInterval;

    ExponentialBackOffContext(long interval, double multiplier, long maxInterval) {
      this.interval = interval;
      this.multiplier = multiplier;
      this.maxInterval = maxInterval;
    }

    public synchronized long getSleepAndIncrement() {
      long sleep = this.interval;
      this.interval *= this.multiplier;
      return sleep;
    }
  }
}
"""

BACKOFF_CAPPED = BACKOFF.replace("""      long sleep = this.interval;
      this.interval *= this.multiplier;""", """      long sleep = this.interval;
      if (sleep > maxInterval) {
        sleep = maxInterval;
      } else {
        this.interval *= this.multiplier;
      }""")

POLLER_PATH = "src/main/java/org/acme/jobs/PollingScheduler.java"
POLLER = BACKOFF.replace("package org.acme.retry.backoff;", "package org.acme.jobs;").replace(
    "ExponentialBackOffPolicy implements BackOffPolicy", "PollingScheduler implements Scheduler").replace(
    "ExponentialBackOffContext", "PollingState").replace("BackOffContext", "SchedulerState")
POLLER_CAPPED = BACKOFF_CAPPED.replace("package org.acme.retry.backoff;", "package org.acme.jobs;").replace(
    "ExponentialBackOffPolicy implements BackOffPolicy", "PollingScheduler implements Scheduler").replace(
    "ExponentialBackOffContext", "PollingState").replace("BackOffContext", "SchedulerState")


def test_java_a_cap_added_to_a_backoffs_next_wait_is_a_retry_change(tmp_path):
    found = file_findings(tmp_path, BACKOFF_PATH, BACKOFF, BACKOFF_CAPPED)
    assert [f.message for f in found if f.kind == "retry.changed"] == [
        "changes policy function retry ExponentialBackOffPolicy.ExponentialBackOffContext.getSleepAndIncrement/0: "
        "the code of ExponentialBackOffPolicy.ExponentialBackOffContext.getSleepAndIncrement/0 changed"]


def test_java_a_pollers_next_interval_capped_is_no_retry_change(tmp_path):
    assert not {k for k in kinds(file_findings(tmp_path, POLLER_PATH, POLLER, POLLER_CAPPED))
                if k.startswith("retry.")}


def test_java_a_backoff_reworded_in_comments_and_layout_is_no_change(tmp_path):
    relaid = BACKOFF.replace("      this.interval *= this.multiplier;",
                             "      // grow the next wait\n      this.interval   *=   this.multiplier;")
    assert not {k for k in kinds(file_findings(tmp_path, BACKOFF_PATH, BACKOFF, relaid)) if k.startswith("retry.")}


RANDOM_PATH = "src/main/java/org/acme/retry/backoff/ExponentialRandomBackOffPolicy.java"
RANDOM = """package org.acme.retry.backoff;

import java.util.Random;

public class ExponentialRandomBackOffPolicy extends ExponentialBackOffPolicy {
  static class ExponentialRandomBackOffContext extends ExponentialBackOffPolicy.ExponentialBackOffContext {
    private final Random r = new Random();
    private long attempt;

    @Override
    protected synchronized long getNextInterval() {
      attempt++;
      return initialInterval + initialInterval * Math.max(1, r.nextInt((int) Math.pow(multiplier, attempt)));
    }
  }
}
"""


def test_java_a_new_backoff_type_with_its_own_next_interval_is_a_retry_added(tmp_path):
    found = findings(tmp_path, {BACKOFF_PATH: BACKOFF}, {BACKOFF_PATH: BACKOFF, RANDOM_PATH: RANDOM})
    assert [f.message for f in found if f.kind == "retry.added"] == [
        "adds retry policy function "
        "ExponentialRandomBackOffPolicy.ExponentialRandomBackOffContext.getNextInterval/0"]


KOTLIN_BACKOFF_PATH = "src/main/kotlin/com/acme/client/ReconnectBackoff.kt"
KOTLIN_BACKOFF = """package com.acme.client

class ReconnectBackoff(private val base: Long, private val max: Long) {
  private var step = 0

  fun nextDelay(): Long {
    step++
    return base * (1L shl step)
  }
}
"""
KOTLIN_BACKOFF_CAPPED = KOTLIN_BACKOFF.replace("return base * (1L shl step)",
                                               "val next = base * (1L shl step)\n    return if (next > max) max else next")


def test_kotlin_a_cap_added_to_a_backoffs_next_delay_is_a_retry_change(tmp_path):
    assert "retry.changed" in kinds(file_findings(tmp_path, KOTLIN_BACKOFF_PATH, KOTLIN_BACKOFF, KOTLIN_BACKOFF_CAPPED))


def test_kotlin_a_heartbeats_next_delay_capped_is_no_retry_change(tmp_path):
    path = "src/main/kotlin/com/acme/client/Heartbeat.kt"
    before = KOTLIN_BACKOFF.replace("ReconnectBackoff", "Heartbeat")
    after = KOTLIN_BACKOFF_CAPPED.replace("ReconnectBackoff", "Heartbeat")
    assert not {k for k in kinds(file_findings(tmp_path, path, before, after)) if k.startswith("retry.")}


# -- a receiver's type is not hidden by a primitive of the same name ---------------------------------
# (okhttp: a web socket built with ``client.newBuilder().readTimeout(0, SECONDS)`` while an inner class
# has a ``final boolean client``: read as a "boolean" timeout, its 0 = none went unseen)

SOCKET_PATH = "src/main/java/com/acme/ws/RealSocket.java"
SOCKET = """package com.acme.ws;

import static java.util.concurrent.TimeUnit.SECONDS;

import okhttp3.OkHttpClient;

public final class RealSocket {
  private final Call call;

  public RealSocket(OkHttpClient client, Request request) {
%s    this.call = client.newCall(request);
  }

  public abstract static class Streams {
    final boolean client;

    public Streams(boolean client) {
      this.client = client;
    }
  }
}
"""
LONG_LIVED = """    client = client.newBuilder()
        .readTimeout(%s, SECONDS)
        .build();
"""


def test_java_an_okhttp_builder_given_no_read_timeout_beside_a_boolean_of_the_same_name_is_unbounded(tmp_path):
    found = file_findings(tmp_path, SOCKET_PATH, SOCKET % "", SOCKET % (LONG_LIVED % "0"))
    assert ("timeout.unbounded", 12) in _anti(found)


def test_java_an_okhttp_builder_given_a_read_timeout_beside_a_boolean_of_the_same_name_is_bounded(tmp_path):
    found = file_findings(tmp_path, SOCKET_PATH, SOCKET % "", SOCKET % (LONG_LIVED % "30"))
    assert "timeout.added" in kinds(found)
    assert _anti(found) == []


# -- a retry loop that leaves by clearing its flag -----------------------------------------------------
# (Apache HttpClient's request director: ``while (retrying) { try { …; retrying = false; } catch … }``;
# hand-written Kotlin loops ``var retry = true; while (retry)``)

DIRECTOR_PATH = "src/main/java/org/acme/http/RequestDirector.java"
DIRECTOR = """package org.acme.http;

import java.io.IOException;

public class RequestDirector {
  private final RetryHandler retryHandler;
  private final RequestExecutor requestExec;

  public RequestDirector(RetryHandler retryHandler, RequestExecutor requestExec) {
    this.retryHandler = retryHandler;
    this.requestExec = requestExec;
  }

  public Response execute(Request request, Connection conn) throws IOException {
    Response response = null;
%s    return response;
  }
}
"""
FLAG_LOOP = """    int execCount = 0;
    boolean retrying = true;
    while (retrying) {
      execCount++;%s
      try {
        response = requestExec.execute(request, conn);
        retrying = false;
      } catch (IOException ex) {
        conn.close();
        if (!retryHandler.retryRequest(ex, execCount)) {
          throw ex;
        }
        conn.open();
      }
    }
"""
REPEATABLE = """
      if (execCount > 1 && !request.isRepeatable()) {
        throw new NonRepeatableRequestException("Cannot retry the request");
      }"""
WORKER_LOOP = """    boolean running = true;
    while (running) {
      try {
        response = requestExec.execute(request, conn);
        listener.onResponse(response);
      } catch (IOException ex) {
        log.warn("request failed", ex);
      }
    }
"""


def test_java_a_loop_that_retries_until_its_flag_is_cleared_is_a_retry_added(tmp_path):
    found = file_findings(tmp_path, DIRECTOR_PATH, DIRECTOR % "    response = requestExec.execute(request, conn);\n",
                          DIRECTOR % (FLAG_LOOP % ""))
    assert "retry.added" in kinds(found)


def test_java_a_condition_added_to_a_flag_retry_loop_is_a_retry_change(tmp_path):
    found = file_findings(tmp_path, DIRECTOR_PATH, DIRECTOR % (FLAG_LOOP % ""), DIRECTOR % (FLAG_LOOP % REPEATABLE))
    assert "retry.changed" in kinds(found)


def test_java_a_worker_loop_that_never_clears_its_flag_is_no_retry(tmp_path):
    found = file_findings(tmp_path, DIRECTOR_PATH, DIRECTOR % "    response = requestExec.execute(request, conn);\n",
                          DIRECTOR % WORKER_LOOP)
    assert not {k for k in kinds(found) if k.startswith("retry.")}


KOTLIN_DIRECTOR_PATH = "src/main/kotlin/org/acme/http/Uploader.kt"
KOTLIN_DIRECTOR = """package org.acme.http

import java.io.IOException

class Uploader(private val client: Client) {
  fun upload(part: Part) {
%s  }
}
"""
KOTLIN_FLAG_LOOP = """    var retry = true
    var tries = 0
    while (retry) {
      try {
        client.put(part)
        retry = false
      } catch (e: IOException) {
        if (++tries >= %s) throw e
        Thread.sleep(1000)
      }
    }
"""
KOTLIN_WORKER_LOOP = """    var running = true
    while (running) {
      try {
        client.put(part)
        client.flush()
      } catch (e: IOException) {
        log.warn("upload failed", e)
      }
    }
"""


def test_kotlin_a_loop_that_retries_until_its_flag_is_cleared_is_a_retry_added(tmp_path):
    found = file_findings(tmp_path, KOTLIN_DIRECTOR_PATH, KOTLIN_DIRECTOR % "    client.put(part)\n",
                          KOTLIN_DIRECTOR % (KOTLIN_FLAG_LOOP % "3"))
    assert "retry.added" in kinds(found)


def test_kotlin_a_flag_retry_loops_bound_changed_is_a_retry_change(tmp_path):
    found = file_findings(tmp_path, KOTLIN_DIRECTOR_PATH, KOTLIN_DIRECTOR % (KOTLIN_FLAG_LOOP % "3"),
                          KOTLIN_DIRECTOR % (KOTLIN_FLAG_LOOP % "5"))
    assert "retry.changed" in kinds(found)


def test_kotlin_a_worker_loop_that_never_clears_its_flag_is_no_retry(tmp_path):
    found = file_findings(tmp_path, KOTLIN_DIRECTOR_PATH, KOTLIN_DIRECTOR % "    client.put(part)\n",
                          KOTLIN_DIRECTOR % KOTLIN_WORKER_LOOP)
    assert not {k for k in kinds(found) if k.startswith("retry.")}


# -- a one-setter timeout helper inlined moves the wait, it adds none -----------------------------------
# (okhttp: ``transmitter.socketTimeout(0)`` and its helper ``socketTimeout(int timeout) {
# socket.setSoTimeout(timeout); }`` deleted, ``socket.setSoTimeout(0)`` written where the streams are taken)

HELPER_PATH = "src/main/java/com/acme/ws/Transmitter.java"
HELPER = """package com.acme.ws;

import java.net.SocketException;

public final class Transmitter {
  private final Connection connection;

  public Transmitter(Connection connection) {
    this.connection = connection;
  }
%s}
"""
HELPER_METHOD = """
  public void socketTimeout(int timeout) throws SocketException {
    connection.socket().setSoTimeout(timeout);
  }
"""
CALLER_PATH = "src/main/java/com/acme/ws/WebSocket.java"
CALLER = """package com.acme.ws;

public final class WebSocket {
  void onOpen(Transmitter transmitter, Connection connection) throws Exception {
%s    streams = connection.newStreams();
  }
}
"""
CONNECTION_PATH = "src/main/java/com/acme/ws/Connection.java"
CONNECTION = """package com.acme.ws;

import java.net.Socket;
import java.net.SocketException;

public final class Connection {
  private Socket socket;

  public Socket socket() {
    return socket;
  }

  public Streams newStreams() throws SocketException {
%s    return new Streams(socket);
  }
}
"""


def _inlined(tmp_path, inlined_value: str):
    before = {HELPER_PATH: HELPER % HELPER_METHOD, CALLER_PATH: CALLER % "    transmitter.socketTimeout(0);\n",
              CONNECTION_PATH: CONNECTION % ""}
    after = {HELPER_PATH: HELPER % "", CALLER_PATH: CALLER % "",
             CONNECTION_PATH: CONNECTION % f"    socket.setSoTimeout({inlined_value});\n"}
    return findings(tmp_path, before, after)


def test_java_a_timeout_helper_inlined_with_the_same_value_is_no_change(tmp_path):
    found = _inlined(tmp_path, "0")
    assert [f.kind for f in found if f.kind.startswith("timeout.")] == []


def test_java_a_timeout_helper_inlined_with_another_value_is_a_change(tmp_path):
    found = _inlined(tmp_path, "30000")
    assert "timeout.added" in {f.kind for f in found}


KT_HELPER_PATH = "src/main/kotlin/com/acme/ws/Transmitter.kt"
KT_HELPER = """package com.acme.ws

class Transmitter(private val connection: Connection) {
  fun start() {
    connection.open()
  }
%s}
"""
KT_HELPER_METHOD = """
  fun socketTimeout(timeout: Int) {
    connection.socket().soTimeout = timeout
  }
"""
KT_CALLER_PATH = "src/main/kotlin/com/acme/ws/WebSocket.kt"
KT_CALLER = """package com.acme.ws

class WebSocket {
  fun onOpen(transmitter: Transmitter, connection: Connection) {
%s    streams = connection.newStreams()
  }
}
"""
KT_CONNECTION_PATH = "src/main/kotlin/com/acme/ws/Connection.kt"
KT_CONNECTION = """package com.acme.ws

import java.net.Socket

class Connection(private val socket: Socket) {
  fun socket(): Socket = socket

  fun newStreams(): Streams {
%s    return Streams(socket)
  }
}
"""


def _kt_inlined(tmp_path, inlined_value: str):
    before = {KT_HELPER_PATH: KT_HELPER % KT_HELPER_METHOD, KT_CALLER_PATH: KT_CALLER % "    transmitter.socketTimeout(0)\n",
              KT_CONNECTION_PATH: KT_CONNECTION % ""}
    after = {KT_HELPER_PATH: KT_HELPER % "", KT_CALLER_PATH: KT_CALLER % "",
             KT_CONNECTION_PATH: KT_CONNECTION % f"    socket.soTimeout = {inlined_value}\n"}
    return findings(tmp_path, before, after)


def test_kotlin_a_timeout_helper_inlined_with_the_same_value_is_no_change(tmp_path):
    assert [f.kind for f in _kt_inlined(tmp_path, "0") if f.kind.startswith("timeout.")] == []


def test_kotlin_a_timeout_helper_inlined_with_another_value_is_a_change(tmp_path):
    assert "timeout.added" in {f.kind for f in _kt_inlined(tmp_path, "30000")}


def test_java_a_retry_simulations_report_of_its_sleeps_is_no_backoff(tmp_path):
    path = "src/main/java/org/acme/retry/support/RetrySimulation.java"
    before = """package org.acme.retry.support;

import java.util.ArrayList;
import java.util.List;

public class RetrySimulation {
  private final List<List<Long>> sleepSequences = new ArrayList<>();

  public void addSequence(List<Long> sleeps) {
    sleepSequences.add(sleeps);
  }
}
"""
    after = before.replace("""    sleepSequences.add(sleeps);
  }
""", """    sleepSequences.add(sleeps);
  }

  public List<Long> getLongestTotalSleepSequence() {
    List<Long> longest = null;
    long total = -1;
    for (List<Long> s : sleepSequences) {
      long sum = s.stream().mapToLong(Long::longValue).sum();
      if (sum > total) {
        total = sum;
        longest = s;
      }
    }
    return longest;
  }
""")
    assert not {k for k in kinds(file_findings(tmp_path, path, before, after)) if k.startswith("retry.")}
