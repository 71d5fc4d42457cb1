package io.github.pulse.test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * A test client that keeps its resume token and last sequence number, resumes after a cut, acknowledges, and
 * checks every message frame it processes: consecutive seq, no duplicate, gaps only where the server said
 * {@code missed}.
 */
public final class ResumingClient {

	private final URI base;

	private final Map<String, String> headers;

	private final int ackEvery;

	private TestClient client;

	private String token;

	private String connectionId;

	private long lastSeq;

	private long lastAcked;

	private final List<JsonNode> messages = new ArrayList<>();

	private long missed;

	private int resumes;

	/** Why each failed resume failed ({@code resumeFailed} of the fresh session's welcome), in order. */
	private final List<String> failedResumes = new ArrayList<>();

	/** Index in {@link #messages} where the current session's frames start. */
	private int sessionStart;

	/** How often a resume was answered with 1013 and tried again. */
	private int triedAgainLater;

	/**
	 * Connects to {@code base} (which may point at a proxy) and consumes the welcome frame.
	 * @param base the ws:// URI including the room query parameter
	 * @param headers handshake headers
	 * @param ackEvery acknowledge after this many frames
	 */
	public ResumingClient(URI base, Map<String, String> headers, int ackEvery) {
		this.base = base;
		this.headers = headers;
		this.ackEvery = ackEvery;
		this.client = TestClient.connect(base, headers);
		JsonNode welcome = this.client.nextOfType("welcome");
		this.token = welcome.path("resumeToken").asText();
		this.connectionId = welcome.path("connectionId").asText();
	}

	/**
	 * Processes every frame received so far, without waiting.
	 */
	public synchronized void pump() {
		JsonNode frame;
		while ((frame = this.client.pending().poll()) != null) {
			process(frame);
		}
		if (this.lastSeq - this.lastAcked >= this.ackEvery) {
			try {
				this.client.send("{\"type\":\"ack\",\"seq\":" + this.lastSeq + "}");
				this.lastAcked = this.lastSeq;
			}
			catch (RuntimeException ex) {
				// the transport is gone; the next resume carries lastSeq anyway
			}
		}
	}

	private void process(JsonNode frame) {
		if (!"message".equals(frame.path("type").asText())) {
			return;
		}
		long seq = frame.path("seq").asLong();
		if (seq <= this.lastSeq) {
			throw new AssertionError("duplicate or reordered frame seq " + seq + " after " + this.lastSeq);
		}
		if (seq != this.lastSeq + 1) {
			throw new AssertionError("gap: seq " + seq + " after " + this.lastSeq);
		}
		this.lastSeq = seq;
		this.messages.add(frame);
	}

	/**
	 * Drops the current transport without a close frame (if the caller has not cut it already), processes what
	 * had arrived, and resumes on a new transport.
	 * @param resumeBase where to reconnect, e.g. the proxy again or the server directly
	 * @return the {@code resumed} frame
	 */
	public synchronized JsonNode resume(URI resumeBase) {
		JsonNode first = resumeOrStartOver(resumeBase);
		if (!"resumed".equals(first.path("type").asText())) {
			throw new AssertionError("expected resumed, got " + FrameSummary.of(first));
		}
		return first;
	}

	/**
	 * As {@link #resume(URI)}, but a resume the server refuses is not an error: the client carries on with the
	 * fresh session the server gave it (told why in {@code resumeFailed}), as the real clients do.
	 * @param resumeBase where to reconnect
	 * @return the {@code resumed} frame, or the fresh session's {@code welcome}
	 */
	public synchronized JsonNode resumeOrStartOver(URI resumeBase) {
		this.client.abort();
		pump();
		String separator = resumeBase.getQuery() == null ? "?" : "&";
		JsonNode first = connectForResume(URI.create(resumeBase + separator + "resume=" + this.token + "&lastSeq="
				+ this.lastSeq));
		if ("welcome".equals(first.path("type").asText())) {
			String reason = first.path("resumeFailed").asText("");
			if (reason.isEmpty()) {
				throw new AssertionError("a fresh session without resumeFailed: " + FrameSummary.of(first));
			}
			this.failedResumes.add(reason);
			this.token = first.path("resumeToken").asText();
			this.connectionId = first.path("connectionId").asText();
			this.lastSeq = 0;
			this.lastAcked = 0;
			this.sessionStart = this.messages.size();
			return first;
		}
		if (!"resumed".equals(first.path("type").asText()) || !this.connectionId.equals(first.path("connectionId").asText())) {
			throw new AssertionError("expected resumed or a fresh welcome, got " + FrameSummary.of(first));
		}
		this.token = first.path("resumeToken").asText();
		long frameMissed = first.path("missed").asLong();
		if (frameMissed > 0) {
			this.missed += frameMissed;
			this.lastSeq += frameMissed;
		}
		this.resumes++;
		return first;
	}

	/**
	 * Connects and returns the first frame; a close with 1013 (the server cannot decide the resume now: a cluster
	 * node without Redis, or an owner not answering) before any frame is answered as the real clients do: again,
	 * with the same token, after a back-off of 100 ms (the clients' reconnect delay), for up to 30 seconds.
	 */
	private JsonNode connectForResume(URI uri) {
		long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
		while (true) {
			this.client = TestClient.connect(uri, this.headers);
			while (System.nanoTime() < deadline) {
				JsonNode first;
				try {
					first = this.client.pending().poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new AssertionError(ex);
				}
				if (first != null) {
					return first;
				}
				if (this.client.isClosed() && this.client.pending().isEmpty()) {
					break;
				}
			}
			TestClient.Close close = this.client.isClosed() ? this.client.awaitClose() : null;
			if (close == null || close.code() != 1013 || System.nanoTime() >= deadline) {
				throw new AssertionError("no first frame on resume; closed " + close);
			}
			this.triedAgainLater++;
			// the clients' reconnect back-off, not a wait for a condition
			java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
		}
	}

	/** @return how often the server answered a resume with 1013, try again later */
	public synchronized int triedAgainLater() {
		return this.triedAgainLater;
	}

	/** @return why each refused resume was refused, in order */
	public synchronized List<String> failedResumes() {
		return List.copyOf(this.failedResumes);
	}

	/** @return the message frames of the current session (since the last refused resume), in order */
	public synchronized List<JsonNode> sessionMessages() {
		return List.copyOf(this.messages.subList(this.sessionStart, this.messages.size()));
	}

	/** @return the base URI this client was created with */
	public URI base() {
		return this.base;
	}

	/** @return the message frames processed, in order */
	public synchronized List<JsonNode> messages() {
		return List.copyOf(this.messages);
	}

	/** @return the last processed sequence number */
	public synchronized long lastSeq() {
		return this.lastSeq;
	}

	/** @return frames the server reported as missed */
	public synchronized long missed() {
		return this.missed;
	}

	/** @return the number of successful resumes */
	public synchronized int resumes() {
		return this.resumes;
	}

	/** @return the connection id */
	public String connectionId() {
		return this.connectionId;
	}

	/** @return the current resume token */
	public synchronized String token() {
		return this.token;
	}

	/** @return the current transport */
	public synchronized TestClient transport() {
		return this.client;
	}

	/**
	 * Closes cleanly.
	 */
	public synchronized void close() {
		this.client.close();
	}

}
