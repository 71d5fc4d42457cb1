package io.github.pulse.test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A real WebSocket client for tests on the JDK's {@code java.net.http} client. Records every text message and the
 * close status; can stop reading (to play a slow consumer) and abort without a close frame.
 */
public final class TestClient implements AutoCloseable {

	private static final ObjectMapper MAPPER = new ObjectMapper();

	private static final HttpClient HTTP = HttpClient.newHttpClient();

	private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();

	private final List<JsonNode> history = java.util.Collections.synchronizedList(new ArrayList<>());

	private final CompletableFuture<Close> closed = new CompletableFuture<>();

	private final WebSocket webSocket;

	private volatile boolean paused;

	private volatile long closedAtNanos;

	private TestClient(WebSocket webSocket) {
		this.webSocket = webSocket;
	}

	/**
	 * Subprotocol the server selected.
	 * @return the subprotocol, empty if none
	 */
	public String subprotocol() {
		return this.webSocket.getSubprotocol();
	}

	/** Close code and reason received from the server, or 1006 when the connection dropped. */
	public record Close(int code, String reason) {
	}

	/**
	 * Connects, waiting for the handshake.
	 * @param uri the ws:// URI
	 * @return the client
	 */
	public static TestClient connect(URI uri) {
		return connect(uri, Map.of());
	}

	/**
	 * Connects with extra headers.
	 * @param uri the ws:// URI
	 * @param headers headers such as Origin
	 * @return the client
	 */
	public static TestClient connect(URI uri, Map<String, String> headers) {
		return connect(uri, headers, List.of());
	}

	/**
	 * Connects with extra headers, listing subprotocols in {@code Sec-WebSocket-Protocol}.
	 * @param uri the ws:// URI
	 * @param headers headers such as Origin
	 * @param subprotocols the subprotocols to list, most preferred first; none for no header
	 * @return the client
	 */
	public static TestClient connect(URI uri, Map<String, String> headers, List<String> subprotocols) {
		Holder holder = new Holder();
		WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
		headers.forEach(builder::header);
		if (!subprotocols.isEmpty()) {
			builder.subprotocols(subprotocols.get(0), subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
		}
		try {
			WebSocket ws = builder.buildAsync(uri, holder).get(15, TimeUnit.SECONDS);
			return holder.client;
		}
		catch (ExecutionException ex) {
			throw new HandshakeFailed(ex.getCause());
		}
		catch (InterruptedException | TimeoutException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Status code of a failed handshake.
	 * @param uri the URI
	 * @param headers extra headers
	 * @return the HTTP status the server answered with
	 */
	public static int handshakeStatus(URI uri, Map<String, String> headers) {
		return handshakeStatus(uri, headers, List.of());
	}

	/**
	 * Status code of a failed handshake that lists subprotocols.
	 * @param uri the URI
	 * @param headers extra headers
	 * @param subprotocols the subprotocols to list
	 * @return the HTTP status the server answered with
	 */
	public static int handshakeStatus(URI uri, Map<String, String> headers, List<String> subprotocols) {
		try {
			connect(uri, headers, subprotocols).abort();
			return 101;
		}
		catch (HandshakeFailed ex) {
			return ex.status();
		}
	}

	/** Thrown when the handshake does not end in 101. */
	public static final class HandshakeFailed extends RuntimeException {

		HandshakeFailed(Throwable cause) {
			super(cause);
		}

		/**
		 * HTTP status of the refused handshake, or -1 if the failure was not an HTTP answer.
		 * @return the status
		 */
		public int status() {
			Throwable cause = getCause();
			while (cause instanceof CompletionException && cause.getCause() != null) {
				cause = cause.getCause();
			}
			return (cause instanceof WebSocketHandshakeException handshake) ? handshake.getResponse().statusCode() : -1;
		}

	}

	private static final class Holder implements WebSocket.Listener {

		TestClient client;

		private final StringBuilder text = new StringBuilder();

		@Override
		public void onOpen(WebSocket webSocket) {
			this.client = new TestClient(webSocket);
			webSocket.request(1);
		}

		@Override
		public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
			this.text.append(data);
			if (last) {
				String message = this.text.toString();
				this.text.setLength(0);
				try {
					JsonNode node = MAPPER.readTree(message);
					this.client.history.add(node);
					this.client.frames.add(node);
				}
				catch (Exception ex) {
					throw new IllegalStateException("Server sent invalid JSON: " + message, ex);
				}
			}
			if (!this.client.paused) {
				webSocket.request(1);
			}
			return null;
		}

		@Override
		public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
			webSocket.request(1);
			return null;
		}

		@Override
		public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
			webSocket.request(1);
			return null;
		}

		@Override
		public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
			if (!this.client.paused) {
				webSocket.request(1);
			}
			return null;
		}

		@Override
		public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
			this.client.closedAt();
			this.client.closed.complete(new Close(statusCode, reason));
			return null;
		}

		@Override
		public void onError(WebSocket webSocket, Throwable error) {
			if (this.client != null) {
				this.client.closedAt();
				this.client.closed.complete(new Close(1006, String.valueOf(error)));
			}
		}

	}

	/**
	 * Next frame, waiting up to ten seconds.
	 * @return the frame
	 */
	public JsonNode next() {
		return next(Duration.ofSeconds(10));
	}

	/**
	 * Next frame.
	 * @param timeout how long to wait
	 * @return the frame
	 * @throws AssertionError if none arrives in time
	 */
	public JsonNode next(Duration timeout) {
		try {
			JsonNode frame = this.frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
			if (frame == null) {
				throw new AssertionError("No frame within " + timeout + "; received so far: " + received());
			}
			return frame;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AssertionError(ex);
		}
	}

	/**
	 * Skips frames until one matches.
	 * @param predicate what to wait for
	 * @return the matching frame
	 */
	public JsonNode nextMatching(Predicate<JsonNode> predicate) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < deadline) {
			JsonNode frame = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
			if (predicate.test(frame)) {
				return frame;
			}
		}
		throw new AssertionError("No matching frame; received " + received());
	}

	/**
	 * Next frame of the given type.
	 * @param type the {@code type} field
	 * @return the frame
	 */
	public JsonNode nextOfType(String type) {
		return nextMatching((frame) -> type.equals(frame.path("type").asText()));
	}

	/**
	 * Frames received and not yet taken with {@code next}.
	 * @return the queue
	 */
	public BlockingQueue<JsonNode> pending() {
		return this.frames;
	}

	/**
	 * Every frame received so far.
	 * @return a snapshot
	 */
	public List<JsonNode> history() {
		synchronized (this.history) {
			return List.copyOf(this.history);
		}
	}

	/**
	 * Sends a text message and waits until it is written.
	 * @param text the message
	 * @return this client
	 */
	public TestClient send(String text) {
		this.webSocket.sendText(text, true).join();
		return this;
	}

	/**
	 * Sends a {@code message} frame.
	 * @param event the event
	 * @param payloadJson the payload as JSON text
	 * @return this client
	 */
	public TestClient sendMessage(String event, String payloadJson) {
		return send("{\"type\":\"message\",\"event\":\"" + event + "\",\"payload\":" + payloadJson + "}");
	}

	/**
	 * Sends a binary message.
	 * @param data the bytes
	 * @return this client
	 */
	public TestClient sendBinary(byte[] data) {
		this.webSocket.sendBinary(ByteBuffer.wrap(data), true).join();
		return this;
	}

	/**
	 * Stops reading from the socket: the server's writes back up, and pings go unanswered.
	 */
	public void pause() {
		this.paused = true;
	}

	/**
	 * Resumes reading.
	 */
	public void unpause() {
		this.paused = false;
		this.webSocket.request(1);
	}

	/**
	 * Close status, waiting up to ten seconds.
	 * @return the status
	 */
	public Close awaitClose() {
		return awaitClose(Duration.ofSeconds(10));
	}

	/**
	 * Close status.
	 * @param timeout how long to wait
	 * @return the status
	 */
	public Close awaitClose(Duration timeout) {
		try {
			return this.closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (Exception ex) {
			throw new AssertionError("Not closed within " + timeout + "; received " + received()
					+ (this.paused ? "; still paused" : ""), ex);
		}
	}

	/**
	 * Close status of a connection the server drops without a close frame, waiting up to ten seconds. The JDK
	 * client does not always notice by itself that the server closed the TCP connection: under load its socket was
	 * seen to stay in CLOSE-WAIT with neither {@code onClose} nor {@code onError} called (5 of 800 drops). So, as a
	 * heartbeat would, this pings the server every 200 ms while no close has arrived: a ping the closed connection
	 * cannot take fails, and counts as the drop (1006). A close frame the server sent still shows up with its code.
	 * @return the status
	 */
	public Close awaitDrop() {
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (true) {
			try {
				return this.closed.get(200, TimeUnit.MILLISECONDS);
			}
			catch (TimeoutException ex) {
				// not noticed yet: probe below
			}
			catch (InterruptedException | ExecutionException ex) {
				throw new AssertionError(ex);
			}
			if (System.nanoTime() - deadline > 0) {
				throw new AssertionError("Not dropped within 10s; received " + received());
			}
			try {
				this.webSocket.sendPing(ByteBuffer.allocate(0)).get(1, TimeUnit.SECONDS);
			}
			catch (ExecutionException ex) {
				closedAt();
				this.closed.complete(new Close(1006, "ping failed: " + ex.getCause()));
			}
			catch (InterruptedException | TimeoutException ex) {
				// a ping that neither went nor failed: look again
			}
		}
	}

	/**
	 * When the close frame or the connection failure arrived, in {@link System#nanoTime()} terms.
	 * @return the time, or {@code 0} while the connection is open
	 */
	public long closedAtNanos() {
		return this.closedAtNanos;
	}

	private void closedAt() {
		if (this.closedAtNanos == 0) {
			this.closedAtNanos = System.nanoTime();
		}
	}

	/** The frames received so far, summarised: never their payloads, which may be 32 KiB each. */
	private String received() {
		return FrameSummary.of(history());
	}

	/**
	 * Whether the server closed the connection.
	 * @return {@code true} once closed
	 */
	public boolean isClosed() {
		return this.closed.isDone();
	}

	/**
	 * Closes with a close frame.
	 * @param code the close code
	 */
	public void close(int code) {
		this.webSocket.sendClose(code, "").join();
	}

	/**
	 * Drops the TCP connection without a close frame.
	 */
	public void abort() {
		this.webSocket.abort();
	}

	/**
	 * Closes cleanly with 1000 if still open, so the server ends the session at once, then releases the socket.
	 */
	@Override
	public void close() {
		if (!this.closed.isDone() && !this.webSocket.isOutputClosed()) {
			try {
				this.webSocket.sendClose(1000, "").get(2, TimeUnit.SECONDS);
				this.closed.get(2, TimeUnit.SECONDS);
			}
			catch (Exception ex) {
				// fall through to abort
			}
		}
		this.webSocket.abort();
	}

}
