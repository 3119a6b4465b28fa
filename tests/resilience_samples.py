"""Realistic client code that more than one resilience test file reads (issue 13): one copy of each
sample, so that the files cannot drift apart on what they call the same code. Each test still builds
its own images from these and asserts its own lines."""

from __future__ import annotations

#: A Java feed connection as far as its constructor: the head its images with and without a retry share.
JAVA_FEED_CONNECTION_HEAD = '''package com.acme.feed;

import java.io.IOException;

public final class FeedConnection {
    private final FeedClient client;

    public FeedConnection(FeedClient client) {
        this.client = client;
    }

'''

#: The Java feed connection with no retry: ``open`` connects once.
JAVA_FEED_CONNECTION = JAVA_FEED_CONNECTION_HEAD + '''    public Session open() throws IOException {
        return client.connect();
    }
}
'''

#: A Kotlin feed connection whose ``open`` calls itself after an exponential delay, at most four more
#: times (``open`` is a Kotlin modifier, which tree-sitter-kotlin reads as an ERROR at the self-call).
KOTLIN_FEED_OPEN_RETRY = '''class FeedConnection(private val client: FeedClient) {
    suspend fun open(attempt: Int = 0): Session =
        try {
            client.connect()
        } catch (e: IOException) {
            if (attempt >= 4) throw e
            delay(500L shl attempt)
            open(attempt + 1)
        }
}
'''
