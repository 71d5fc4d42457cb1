package io.github.pulse.client;

import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * A pulse client on the JDK's {@code java.net.http} WebSocket. It keeps one logical session alive across
 * transports: when a transport drops it reconnects with exponential backoff and jitter and resumes the session
 * with its resume token and the last sequence number it received, so the server replays what the client missed.
 * Every message frame is delivered at most once, in order; frames the server could no longer hold are counted in
 * {@link Restore#missed()}. In the other direction, against a server that takes client sequence numbers, every
 * message is handled exactly once and in order: it is kept until the server acknowledges it and sent again after a
 * resume if the server had not processed it.
 * <p>
 * Thread-safe. A client owns no thread: WebSocket I/O runs on the {@link java.net.http.HttpClient}'s threads and
 * timers on a scheduler, both shared by all clients unless configured otherwise. State changes happen under one
 * lock that is never held during I/O or callbacks.
 *
 * <pre class="code">
 * PulseClient client = PulseClient.builder("https://chat.example.com/pulse?room=lobby")
 *     .on("chat", Chat.class, (chat) -&gt; show(chat))
 *     .connect();
 * client.send("chat", new Chat("ann", "hello"));
 * </pre>
 */
public final class PulseClient implements AutoCloseable {

	private static final System.Logger logger = System.getLogger(PulseClient.class.getName());

	private static final int MAX_EVENT_LENGTH = 128;

	private static final int NORMAL = 1000;

	private static final int ABNORMAL = 1006;

	private final ClientSettings settings;

	private final CallbackDispatcher callbacks;

	private final CompletableFuture<Welcome> opened = new CompletableFuture<>();

	private final CompletableFuture<CloseReason> closed = new CompletableFuture<>();

	private final Object lock = new Object();

	// guarded by lock; volatile for lock-free reads
	private volatile ClientState state = ClientState.CONNECTING;

	// guarded by lock
	private @Nullable Link link;

	private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();

	private final PendingRequests requests = new PendingRequests();

	/** Rooms joined with {@link #join}, and joins and leaves waiting for their answer. */
	private final ClientRooms clientRooms = new ClientRooms();

	/** User of the current (or last) session, from its welcome. */
	private volatile @Nullable String user;

	/** Messages written with a client sequence number that the server has not acknowledged yet, in order. */
	private final ArrayDeque<Outgoing> unconfirmed = new ArrayDeque<>();

	/** Whether the current session's server takes client sequence numbers (its welcome had {@code cseq}). */
	private boolean sequenced;

	/** Client sequence number given to the last message written in this session. */
	private long lastCseq;

	private @Nullable String connectionId;

	private @Nullable String resumeToken;

	private long lastSeq;

	private long lastAcked;

	private int unacked;

	private boolean ackDue;

	private @Nullable ScheduledFuture<?> ackTimer;

	private @Nullable ScheduledFuture<?> reconnectTimer;

	private @Nullable ScheduledFuture<?> closeTimer;

	private int consecutiveFailures;

	private int dials;

	private boolean everOpened;

	private boolean closing;

	private long duplicates;

	PulseClient(ClientSettings settings) {
		this.settings = settings;
		this.callbacks = new CallbackDispatcher(settings.callbackExecutor());
	}

	/**
	 * Starts configuring a client.
	 * @param url the endpoint, {@code ws}, {@code wss}, {@code http} or {@code https} (converted to {@code ws} and
	 * {@code wss}), with the query the server expects, such as {@code ?room=lobby}
	 * @return a builder
	 */
	public static PulseClientBuilder builder(String url) {
		return new PulseClientBuilder(URI.create(url));
	}

	/**
	 * Starts configuring a client.
	 * @param uri the endpoint
	 * @return a builder
	 */
	public static PulseClientBuilder builder(URI uri) {
		return new PulseClientBuilder(uri);
	}

	// ---- public API

	/**
	 * Sends an application frame, {@code {"type":"message","event":..,"payload":..}}. While no session is open
	 * the frame waits in the outbound queue and goes out, in order, once one is.
	 * @param event the event name, 1 to 128 characters
	 * @param payload the payload, converted with the client's {@code ObjectMapper}; may be {@code null}
	 * @return completes when the frame was handed to the transport; fails with {@link SendQueueFullException} when
	 * the queue is full, {@link ClientClosedException} when the client is closed or closes before the frame went
	 * out, and, against a server without client sequence numbers only, {@link PulseClientException} when the
	 * transport failed while writing it (the frame may or may not have reached the server); against one with them
	 * the frame is sent again after the resume instead
	 * @throws IllegalArgumentException if the event name is invalid or the payload cannot be converted to JSON
	 */
	public CompletableFuture<Void> send(String event, @Nullable Object payload) {
		return enqueue(event, encode(event, payload, null), null);
	}

	/**
	 * Sends a request, {@code {"type":"message","event":..,"ref":..,"payload":..}}, and waits for the server's
	 * {@code reply}: the return value of its handler, converted to {@code type}. Like a send, it waits in the
	 * outbound queue while no session is open. A reply the server queued while the transport was down is replayed on
	 * resume, so a request in flight across a resume still completes.
	 * @param <T> the reply type
	 * @param event the event name, 1 to 128 characters
	 * @param payload the payload; may be {@code null}
	 * @param type the type to convert the reply's payload to with the client's {@code ObjectMapper}
	 * @param timeout how long to wait for the reply, from now
	 * @return completes with the converted reply ({@code null} when it has no payload); fails with
	 * {@link ReplyErrorException} carrying the code when the handler answered with an error,
	 * {@link java.util.concurrent.TimeoutException} when no reply came within the timeout,
	 * {@link SendQueueFullException} or {@link ClientClosedException} as a send would, and
	 * {@link PulseClientException} when the session it reached was lost (the server started a new one) before the
	 * reply arrived
	 * @throws IllegalArgumentException if the event name is invalid or the payload cannot be converted to JSON
	 */
	public <T> CompletableFuture<T> request(String event, @Nullable Object payload, Class<T> type, Duration timeout) {
		return request(event, payload, (java.lang.reflect.Type) type, timeout);
	}

	/**
	 * Sends a request whose reply converts to a generic type, see {@link #request(String, Object, Class, Duration)}.
	 * @param <T> the reply type
	 * @param event the event name, 1 to 128 characters
	 * @param payload the payload; may be {@code null}
	 * @param type the type to convert the reply's payload to, such as a {@code TypeReference}'s type
	 * @param timeout how long to wait for the reply, from now
	 * @return completes with the converted reply, or fails as described there
	 */
	@SuppressWarnings("unchecked")
	public <T> CompletableFuture<T> request(String event, @Nullable Object payload, java.lang.reflect.Type type,
			Duration timeout) {
		if (timeout.isNegative() || timeout.isZero()) {
			throw new IllegalArgumentException("Request timeout must be positive, got " + timeout);
		}
		PendingRequests.Request request;
		synchronized (this.lock) {
			request = this.requests.add(event, type);
		}
		String text;
		try {
			text = encode(event, payload, request.ref);
		}
		catch (IllegalArgumentException ex) {
			synchronized (this.lock) {
				this.requests.take(request.ref);
			}
			throw ex;
		}
		request.timeout = schedule(() -> {
			PendingRequests.Request expired;
			synchronized (this.lock) {
				expired = this.requests.timedOut(request);
			}
			if (expired != null) {
				expired.fail(PendingRequests.timeoutOf(expired, timeout));
			}
		}, timeout);
		enqueue(event, text, request).whenComplete((sent, failure) -> {
			if (failure instanceof SendQueueFullException || failure instanceof ClientClosedException) {
				synchronized (this.lock) {
					this.requests.take(request.ref);
				}
				request.fail(failure);
			}
		});
		return (CompletableFuture<T>) (CompletableFuture<?>) request.future;
	}

	/**
	 * Joins a room, with the {@link JoinOptions#defaults() default options}; see {@link #join(String, JoinOptions)}.
	 * @param room the room name, {@code [A-Za-z0-9._:-]{1,128}}
	 * @return completes once the server answered {@code joined}
	 */
	public CompletableFuture<Void> join(String room) {
		return join(room, JoinOptions.defaults());
	}

	/**
	 * Asks the server to join a room, {@code {"type":"join","room":..,"ref":..}}, which its room authorizer decides.
	 * Like a send, the frame waits in the queue while no session is open. A room the server let the client join is
	 * kept through a resume, and joined again, by the client on its own, after a fresh session (a refusal then is
	 * reported to {@link PulseClientListener#onError}).
	 * @param room the room name, {@code [A-Za-z0-9._:-]{1,128}}
	 * @param options the options
	 * @return completes once the server answered {@code joined} (the room's broadcasts come after it); fails with
	 * {@link JoinFailedException} carrying the server's reason ({@code forbidden}, {@code invalid room},
	 * {@code too many rooms}), {@link java.util.concurrent.TimeoutException} when no answer came within the timeout
	 * (the client then does not know whether it joined: join or leave again), or {@link ClientClosedException}
	 */
	public CompletableFuture<Void> join(String room, JoinOptions options) {
		return roomOperation(true, room, options.timeout(), options.history());
	}

	/**
	 * Asks the server to leave a room, {@code {"type":"leave","room":..,"ref":..}}: also one the server put the
	 * connection in. The client no longer joins it again after a fresh session.
	 * @param room the room name
	 * @return completes once the server answered {@code left} (no broadcast of the room comes after it), also when
	 * the connection was not in the room; fails as {@link #join(String, JoinOptions)} does, after
	 * {@link JoinOptions#DEFAULT_TIMEOUT}
	 */
	public CompletableFuture<Void> leave(String room) {
		return roomOperation(false, room, JoinOptions.DEFAULT_TIMEOUT, 0);
	}

	/**
	 * Rooms this client joined with {@link #join} and did not leave, as far as the server's answers so far say, in
	 * the order they were joined.
	 * @return a snapshot
	 */
	public Set<String> joinedRooms() {
		synchronized (this.lock) {
			return this.clientRooms.joined();
		}
	}

	/**
	 * Users present in a room with presence, as far as this client knows: the view of the {@code joined} answer to
	 * its {@link #join}, kept up to date by the room's {@code presence} frames (see
	 * {@link PulseClientListener#onPresence}). For a room the server put the connection in, it holds the users that
	 * arrived since and are still there. Kept through a resume; after a fresh session the client's joins made again
	 * bring it back.
	 * @param room the room
	 * @return the users in the order they arrived, a snapshot; empty for a room without presence or not joined
	 */
	public Set<String> presence(String room) {
		synchronized (this.lock) {
			return this.clientRooms.presence(room);
		}
	}

	/**
	 * User the current (or last) session belongs to, from its {@code welcome}.
	 * @return the user, {@code null} for none or before the first session opened
	 */
	public @Nullable String user() {
		return this.user;
	}

	private CompletableFuture<Void> roomOperation(boolean join, String room, Duration timeout, int history) {
		CompletableFuture<Void> future = new CompletableFuture<>();
		Link target;
		synchronized (this.lock) {
			if (this.state.isTerminal() || this.closing) {
				future.completeExceptionally(new ClientClosedException("Client is "
						+ (this.closing ? "closing" : this.state) + "; " + (join ? "join" : "leave") + " of '" + room
						+ "' refused", null));
				return future;
			}
			ClientRooms.Operation operation = queueRoomOperation(join, room, future, history);
			operation.timeout = schedule(() -> {
				synchronized (this.lock) {
					this.clientRooms.remove(operation);
				}
				future.completeExceptionally(new TimeoutException("No answer to the "
						+ (join ? "join" : "leave") + " of room '" + room + "' within " + timeout));
			}, timeout);
			target = this.link;
		}
		if (target != null) {
			pump(target);
		}
		this.callbacks.flush();
		return future;
	}

	/**
	 * Records a join or leave and queues its frame, at the end of the queue: unnumbered, it never goes before the
	 * numbered messages a resume sends again. Callers hold the lock.
	 */
	private ClientRooms.Operation queueRoomOperation(boolean join, String room,
			@Nullable CompletableFuture<Void> future, int history) {
		ClientRooms.Operation operation = this.clientRooms.add(join, room, future,
				(ref) -> roomFrame(join, room, ref, history));
		this.queue.add(new Outgoing(join ? "join" : "leave", operation.text, null, null));
		return operation;
	}

	private String roomFrame(boolean join, String room, String ref, int history) {
		ObjectNode frame = this.settings.objectMapper().createObjectNode();
		frame.put("type", join ? "join" : "leave");
		frame.put("room", room);
		frame.put("ref", ref);
		if (history > 0) {
			frame.put("history", history);
		}
		return frame.toString();
	}

	/**
	 * Queues again the joins and leaves whose frames went out and got no answer, which a dropped transport may have
	 * lost (a repeated one is answered as the first was); after a fresh session also the joins of the rooms it had
	 * joined. Callers hold the lock.
	 */
	private void resendRoomOperations(boolean freshSession) {
		List<String> rejoin = freshSession ? this.clientRooms.toRejoin() : List.of();
		for (ClientRooms.Operation operation : this.clientRooms.waiting()) {
			boolean queued = false;
			for (Outgoing outgoing : this.queue) {
				queued |= outgoing.text == operation.text;
			}
			if (!queued) {
				this.queue.add(new Outgoing(operation.join ? "join" : "leave", operation.text, null, null));
			}
		}
		for (String room : rejoin) {
			// without history: the application had the room's frames before, and the fresh session told it so
			queueRoomOperation(true, room, null, 0);
		}
	}

	/**
	 * A presence frame; callers hold the lock.
	 */
	private void presenceChanged(JsonNode frame) {
		boolean joined = frame.has("joined");
		PresenceEvent event = new PresenceEvent(frame.path("room").asText(""),
				frame.path(joined ? "joined" : "left").path("user").asText(""), joined);
		this.clientRooms.presenceChanged(event);
		emit((listener) -> listener.onPresence(event));
	}

	/**
	 * The answer to a join or leave; callers hold the lock.
	 */
	private void roomAnswered(String type, JsonNode frame) {
		String room = frame.path("room").asText("");
		if ("joined".equals(type) && frame.has("presence")) {
			List<String> users = new ArrayList<>();
			frame.get("presence").forEach((entry) -> users.add(entry.path("user").asText()));
			this.clientRooms.presenceView(room, users);
		}
		ClientRooms.Operation operation = this.clientRooms.answered(type, frame.path("ref").asText(""), room);
		if (operation == null) {
			return;
		}
		cancel(operation.timeout);
		CompletableFuture<Void> future = operation.future;
		JoinFailedException failure = "joinFailed".equals(type)
				? new JoinFailedException(room, frame.path("reason").asText("")) : null;
		if (future == null) {
			if (failure != null) {
				this.callbacks.submit(() -> reportError(new JoinFailedException(room,
						"rejoin after a new session refused: " + failure.reason())));
			}
			return;
		}
		this.callbacks.submit(() -> {
			if (failure != null) {
				future.completeExceptionally(failure);
			}
			else {
				future.complete(null);
			}
		});
	}

	private CompletableFuture<Void> enqueue(String event, String text, PendingRequests.@Nullable Request request) {
		CompletableFuture<Void> future = new CompletableFuture<>();
		Link target;
		synchronized (this.lock) {
			if (this.state.isTerminal() || this.closing) {
				future.completeExceptionally(new ClientClosedException(
						"Client is " + (this.closing ? "closing" : this.state) + "; send of '" + event + "' refused",
						null));
				return future;
			}
			if (this.queue.size() + this.unconfirmed.size() >= this.settings.sendQueueCapacity()) {
				int capacity = this.settings.sendQueueCapacity();
				emit((listener) -> listener.onSendQueueOverflow(event, capacity));
				target = null;
				// like every other future of this client, it completes after the callbacks: whoever sees the
				// failure knows the listener was told
				this.callbacks.submit(() -> future.completeExceptionally(new SendQueueFullException(event, capacity)));
			}
			else {
				this.queue.add(new Outgoing(event, text, future, request));
				target = this.link;
			}
		}
		if (target != null) {
			pump(target);
		}
		this.callbacks.flush();
		return future;
	}

	/**
	 * Closes with the configured close timeout, see {@link #close(Duration)}.
	 */
	@Override
	public void close() {
		close(this.settings.closeTimeout());
	}

	/**
	 * Closes the client for good. With an open session, frames already queued are written, then a 1000 close
	 * frame; the server ends the session at once (it is not kept for resume). Without one, queued frames are
	 * discarded (their futures fail with {@link ClientClosedException}) and a pending reconnect is cancelled.
	 * Waits at most {@code timeout} for the server's close reply, then drops the connection. Called from a
	 * callback of this client, it starts the close and returns without waiting. Does nothing once closed.
	 * @param timeout longest wait
	 */
	public void close(Duration timeout) {
		List<Runnable> after = new ArrayList<>();
		Link current;
		synchronized (this.lock) {
			if (!this.state.isTerminal() && !this.closing) {
				this.closing = true;
				current = this.link;
				if (current != null && current.established) {
					this.closeTimer = schedule(() -> forceClose("close handshake timed out after " + timeout), timeout);
				}
				else {
					this.link = null;
					if (current != null) {
						current.stop();
						current.abortAfter(after);
					}
					terminate(ClientState.CLOSED, new CloseReason(NORMAL, "closed by client"), null, after);
					current = null;
				}
			}
			else {
				current = null;
			}
		}
		if (current != null) {
			pump(current);
		}
		finish(after);
		if (CallbackDispatcher.inCallback()) {
			return;
		}
		try {
			this.closed.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			forceClose("close handshake timed out after " + timeout);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			forceClose("interrupted while closing");
		}
		catch (ExecutionException ex) {
			// never completed exceptionally
		}
	}

	/**
	 * Current state.
	 * @return the state
	 */
	public ClientState state() {
		return this.state;
	}

	/**
	 * Completes with the first session's welcome; fails if the client gives up or is closed before one opens.
	 * @return the future
	 */
	public CompletableFuture<Welcome> opened() {
		return this.opened;
	}

	/**
	 * Completes with the close code and reason once the client is {@link ClientState#CLOSED} or
	 * {@link ClientState#FAILED}.
	 * @return the future
	 */
	public CompletableFuture<CloseReason> closed() {
		return this.closed;
	}

	/**
	 * Connection id of the current (or last) session.
	 * @return the id, {@code null} before the first session opened
	 */
	public @Nullable String connectionId() {
		synchronized (this.lock) {
			return this.connectionId;
		}
	}

	/**
	 * Sequence number of the last message frame received in the current session.
	 * @return the sequence number, 0 if none yet
	 */
	public long lastSeq() {
		synchronized (this.lock) {
			return this.lastSeq;
		}
	}

	/**
	 * Frames waiting in the outbound queue.
	 * @return the count
	 */
	public int queuedSends() {
		synchronized (this.lock) {
			return this.queue.size();
		}
	}

	/**
	 * Messages written with a client sequence number that the server has not acknowledged yet; with
	 * {@link #queuedSends()} at most {@code sendQueueCapacity}. Sent again after a resume if the server did not
	 * process them.
	 * @return the count
	 */
	public int unconfirmedSends() {
		synchronized (this.lock) {
			return this.unconfirmed.size();
		}
	}

	/**
	 * Message frames dropped because their sequence number had been delivered already.
	 * @return the count
	 */
	public long duplicatesDropped() {
		synchronized (this.lock) {
			return this.duplicates;
		}
	}

	@Override
	public String toString() {
		return "PulseClient[" + this.settings.uri() + ", " + this.state + "]";
	}

	// ---- dialling

	void start() {
		dial();
	}

	private void dial() {
		Link next;
		URI target;
		synchronized (this.lock) {
			this.reconnectTimer = null;
			if (this.state.isTerminal() || this.closing) {
				return;
			}
			next = new Link(++this.dials);
			this.link = next;
			String token = this.resumeToken;
			target = (token != null && this.settings.resume()) ? Endpoints.resume(this.settings.uri(), token,
					this.lastSeq) : this.settings.uri();
		}
		log(System.Logger.Level.DEBUG, () -> "Dial " + next.number + ": " + redact(target));
		try {
			WebSocket.Builder builder = this.settings.httpClient()
				.newWebSocketBuilder()
				.connectTimeout(this.settings.connectTimeout());
			this.settings.headers().forEach(builder::header);
			if (this.settings.headerSupplier() != null) {
				Map<String, String> extra = this.settings.headerSupplier().get();
				extra.forEach((name, value) -> builder.header(PulseClientBuilder.checkHeader(name), value));
			}
			List<String> protocols = this.settings.subprotocols();
			if (!protocols.isEmpty()) {
				builder.subprotocols(protocols.get(0), protocols.subList(1, protocols.size()).toArray(new String[0]));
			}
			builder.buildAsync(target, next).whenComplete((webSocket, failure) -> {
				if (failure != null) {
					Throwable cause = unwrap(failure);
					lost(next, ABNORMAL, "dial failed: " + cause, cause, false);
				}
			});
		}
		catch (RuntimeException ex) {
			lost(next, ABNORMAL, "dial failed: " + ex, ex, false);
		}
	}

	private void opened(Link link, WebSocket webSocket) {
		boolean current;
		synchronized (this.lock) {
			current = link == this.link && !this.state.isTerminal();
			if (current) {
				link.webSocket = webSocket;
				link.handshakeTimer = schedule(() -> handshakeTimedOut(link), this.settings.handshakeTimeout());
				startHeartbeat(link);
			}
		}
		if (!current) {
			webSocket.abort();
		}
	}

	/**
	 * A transport ended or must be given up: decide between reconnecting and ending the client.
	 */
	private void lost(Link link, int code, String reason, @Nullable Throwable cause, boolean closedByPeer) {
		List<Runnable> after = new ArrayList<>();
		synchronized (this.lock) {
			detach(link, code, reason, cause, closedByPeer, after);
		}
		finish(after);
	}

	/**
	 * The server opened the WebSocket but sent neither {@code welcome} nor {@code resumed} in time. The transport
	 * is aborted, not closed with a close frame: the server ends a session on any close frame from the client, and
	 * this one may be holding ours. Checked and torn down under one lock hold, so a first frame that arrives as the
	 * timer fires wins.
	 */
	private void handshakeTimedOut(Link link) {
		List<Runnable> after = new ArrayList<>();
		synchronized (this.lock) {
			if (!link.established) {
				detach(link, ABNORMAL, "handshake timeout: no welcome or resumed frame within "
						+ this.settings.handshakeTimeout() + " of the WebSocket opening", null, false, after);
			}
		}
		finish(after);
	}

	/**
	 * Lets go of the current transport, then reconnects or ends the client; callers hold the lock.
	 */
	private void detach(Link link, int code, String reason, @Nullable Throwable cause, boolean closedByPeer,
			List<Runnable> after) {
		if (link != this.link || this.state.isTerminal()) {
			return;
		}
		this.link = null;
		link.stop();
		if (!closedByPeer) {
			link.abortAfter(after);
		}
		cancelAckTimer();
		this.ackDue = false;
		if (this.closing) {
			terminate(ClientState.CLOSED, new CloseReason(code, reason), null, after);
		}
		else {
			decide(link, code, reason, cause, after);
		}
	}

	private void decide(Link link, int code, String reason, @Nullable Throwable cause, List<Runnable> after) {
		if (!link.established) {
			this.consecutiveFailures++;
		}
		HandshakeRejectedException rejected = rejection(cause);
		int limit = this.settings.maxConsecutiveFailures();
		if (rejected != null && !rejected.isRetryable()) {
			terminate(ClientState.FAILED, new CloseReason(ABNORMAL, rejected.getMessage()), rejected, after);
		}
		else if (cause instanceof IllegalArgumentException) {
			// a header the JDK refuses, from the header supplier: no attempt can succeed
			terminate(ClientState.FAILED, new CloseReason(ABNORMAL, String.valueOf(cause.getMessage())), cause,
					after);
		}
		else if (!this.everOpened && !this.settings.retryInitialConnect()) {
			PulseClientException failure = new PulseClientException(
					"First dial of " + redact(this.settings.uri()) + " failed: " + reason, cause);
			terminate(ClientState.FAILED, new CloseReason(code, failure.getMessage()), failure, after);
		}
		else if (!this.settings.closeCodePolicy().reconnects(code)) {
			terminate(ClientState.CLOSED, new CloseReason(code, reason), null, after);
		}
		else if (limit > 0 && this.consecutiveFailures >= limit) {
			PulseClientException failure = new PulseClientException("Gave up after " + this.consecutiveFailures
					+ " consecutive failed attempts; last: " + reason, cause);
			terminate(ClientState.FAILED, new CloseReason(ABNORMAL, failure.getMessage()), failure, after);
		}
		else {
			if (link.established) {
				Drop drop = new Drop(code, reason, cause);
				log(System.Logger.Level.DEBUG, () -> "Transport of " + this.connectionId + " dropped: " + reason);
				emit((listener) -> listener.onTransportDrop(drop));
			}
			if (this.everOpened) {
				setState(ClientState.RECONNECTING);
			}
			int attempt = this.consecutiveFailures + 1;
			Duration delay = this.settings.backoff().delay(attempt, this.settings.random().getAsDouble());
			Throwable lastFailure = link.established ? null : (cause != null) ? cause
					: new PulseClientException(reason, null);
			this.reconnectTimer = schedule(this::dial, delay);
			emit((listener) -> listener.onReconnectScheduled(attempt, delay, lastFailure));
		}
	}

	private void forceClose(String reason) {
		List<Runnable> after = new ArrayList<>();
		synchronized (this.lock) {
			if (this.state.isTerminal()) {
				return;
			}
			Link current = this.link;
			this.link = null;
			if (current != null) {
				current.stop();
				current.abortAfter(after);
			}
			terminate(ClientState.CLOSED, new CloseReason(ABNORMAL, reason), null, after);
		}
		finish(after);
	}

	/**
	 * Ends the client; callers hold the lock and have already detached the link.
	 */
	private void terminate(ClientState end, CloseReason reason, @Nullable Throwable failure, List<Runnable> after) {
		if (this.state.isTerminal()) {
			return;
		}
		setState(end);
		this.closing = false;
		cancel(this.reconnectTimer);
		this.reconnectTimer = null;
		cancel(this.closeTimer);
		this.closeTimer = null;
		cancelAckTimer();
		List<Outgoing> discarded = new ArrayList<>(this.queue);
		discarded.addAll(this.unconfirmed);
		this.queue.clear();
		this.unconfirmed.clear();
		if (failure != null) {
			log(System.Logger.Level.WARNING, () -> "pulse client for " + redact(this.settings.uri()) + " failed: "
					+ failure.getMessage());
			emit((listener) -> listener.onFailed(failure));
		}
		else {
			log(System.Logger.Level.DEBUG, () -> "Closed: " + reason);
		}
		emit((listener) -> listener.onClose(reason));
		ClientClosedException closedException = new ClientClosedException("Client " + end.name().toLowerCase()
				+ " (" + reason.code() + " " + reason.reason() + ") before the frame was sent", failure);
		// the futures complete after the callbacks, so onOpen and onClose have run when they do
		this.callbacks.submit(() -> {
			this.opened.completeExceptionally((failure != null) ? failure : closedException);
			this.closed.complete(reason);
		});
		List<PendingRequests.Request> unanswered = this.requests.takeAll();
		List<ClientRooms.Operation> roomOperations = this.clientRooms.takeAll();
		roomOperations.forEach((operation) -> cancel(operation.timeout));
		after.add(() -> {
			ClientClosedException noAnswer = new ClientClosedException("Client " + end.name().toLowerCase() + " ("
					+ reason.code() + " " + reason.reason() + ") before the room's answer arrived", failure);
			for (ClientRooms.Operation operation : roomOperations) {
				if (operation.future != null) {
					operation.future.completeExceptionally(noAnswer);
				}
			}
			for (Outgoing outgoing : discarded) {
				outgoing.complete(closedException);
			}
			ClientClosedException noReply = new ClientClosedException("Client " + end.name().toLowerCase() + " ("
					+ reason.code() + " " + reason.reason() + ") before the reply arrived", failure);
			for (PendingRequests.Request request : unanswered) {
				request.fail(noReply);
			}
		});
	}

	// ---- inbound

	private void received(Link link, String text) {
		JsonNode frame;
		try {
			frame = this.settings.objectMapper().readTree(text);
		}
		catch (Exception ex) {
			reportError(new PulseClientException("Server sent a frame that is not JSON: " + abbreviate(text), ex));
			return;
		}
		switch (frame.path("type").asText("")) {
			case "welcome" -> welcome(link, frame);
			case "resumed" -> resumed(link, frame);
			case "message", "reply", "joined", "joinFailed", "left", "presence" -> message(link, frame, text);
			case "ack" -> confirmed(link, frame.path("cseq").asLong(0));
			default -> {
				// pong and frame types of later protocol versions
			}
		}
	}

	private void welcome(Link link, JsonNode frame) {
		synchronized (this.lock) {
			if (link != this.link || this.state.isTerminal()) {
				return;
			}
			List<String> rooms = new ArrayList<>();
			frame.path("rooms").forEach((room) -> rooms.add(room.asText()));
			String failed = frame.hasNonNull("resumeFailed") ? frame.get("resumeFailed").asText() : null;
			Welcome welcome = new Welcome(frame.path("connectionId").asText(), List.copyOf(rooms),
					Duration.ofMillis(frame.path("heartbeatMs").asLong()),
					Duration.ofMillis(frame.path("resumeWindowMs").asLong()), failed, this.everOpened,
					frame.hasNonNull("protocol") ? frame.get("protocol").asText() : null,
					frame.hasNonNull("user") ? frame.get("user").asText() : null);
			this.connectionId = welcome.connectionId();
			this.user = welcome.user();
			this.resumeToken = frame.hasNonNull("resumeToken") ? frame.get("resumeToken").asText() : null;
			List<Outgoing> unconfirmedByLostSession = takeNumbered();
			this.sequenced = frame.has("cseq");
			this.lastCseq = 0;
			if (!unconfirmedByLostSession.isEmpty()) {
				PulseClientException lostMessages = new PulseClientException(unconfirmedByLostSession.size()
						+ " messages sent to the lost session were not confirmed; the server may or may not have "
						+ "handled them, so they are not sent again", null);
				this.callbacks.submit(() -> {
					unconfirmedByLostSession.forEach((outgoing) -> outgoing.complete(lostMessages));
					reportError(lostMessages);
				});
			}
			if (this.everOpened) {
				List<PendingRequests.Request> orphaned = this.requests.takeWritten();
				this.callbacks.submit(() -> orphaned.forEach((request) -> request.fail(new PulseClientException(
						"Session lost before the reply to '" + request.event + "' (ref " + request.ref
								+ ") arrived; the server may or may not have handled it", null))));
			}
			this.lastSeq = 0;
			this.lastAcked = 0;
			this.unacked = 0;
			if (this.everOpened) {
				this.clientRooms.forgetPresence();
				resendRoomOperations(true);
			}
			establish(link);
			log(System.Logger.Level.DEBUG, () -> "Session " + welcome.connectionId() + " opened"
					+ ((failed != null) ? " (resume failed: " + failed + ")" : ""));
			emit((listener) -> listener.onOpen(welcome));
			if (this.everOpened) {
				Restore restore = new Restore(welcome.connectionId(), false, 0, 0, failed);
				emit((listener) -> listener.onTransportRestore(restore));
			}
			this.everOpened = true;
			this.callbacks.submit(() -> this.opened.complete(welcome));
		}
		pump(link);
		this.callbacks.flush();
	}

	private void resumed(Link link, JsonNode frame) {
		synchronized (this.lock) {
			if (link != this.link || this.state.isTerminal()) {
				return;
			}
			this.resumeToken = frame.path("resumeToken").asText();
			// what the server processed is done; the rest goes again, first and in order, under its own numbers.
			// Without cseq (the session came from another node) everything unconfirmed goes again
			long processed = frame.has("cseq") ? frame.get("cseq").asLong() : 0;
			List<Outgoing> again = new ArrayList<>();
			for (Outgoing outgoing : takeNumbered()) {
				if (outgoing.cseq > processed) {
					again.add(outgoing);
				}
				else {
					this.callbacks.submit(() -> outgoing.complete(null));
				}
			}
			for (int i = again.size() - 1; i >= 0; i--) {
				this.queue.addFirst(again.get(i));
			}
			resendRoomOperations(false);
			establish(link);
			Restore restore = new Restore(frame.path("connectionId").asText(), true, frame.path("replayed").asInt(),
					frame.path("missed").asLong(), null);
			log(System.Logger.Level.DEBUG, () -> "Session " + restore.connectionId() + " resumed: replayed "
					+ restore.replayed() + ", missed " + restore.missed());
			emit((listener) -> listener.onTransportRestore(restore));
		}
		pump(link);
		this.callbacks.flush();
	}

	/**
	 * The first frame arrived: the session is open on this transport; callers hold the lock.
	 */
	private void establish(Link link) {
		link.established = true;
		cancel(link.handshakeTimer);
		link.handshakeTimer = null;
		this.consecutiveFailures = 0;
		setState(ClientState.OPEN);
	}

	private void message(Link link, JsonNode frame, String text) {
		boolean ackNow;
		synchronized (this.lock) {
			if (link != this.link || !link.established || this.state.isTerminal()) {
				return;
			}
			long seq = frame.path("seq").asLong(0);
			if (seq <= this.lastSeq) {
				this.duplicates++;
				return;
			}
			this.lastSeq = seq;
			this.unacked++;
			if (this.unacked >= this.settings.ackFrames()) {
				this.ackDue = true;
			}
			else if (this.ackTimer == null) {
				this.ackTimer = schedule(() -> ackTimerFired(link), this.settings.ackInterval());
			}
			ackNow = this.ackDue;
			String type = frame.path("type").asText();
			if ("reply".equals(type)) {
				PendingRequests.Request request = this.requests.take(frame.path("ref").asText(""));
				if (request != null) {
					ObjectMapper mapper = this.settings.objectMapper();
					this.callbacks.submit(() -> request.answer(frame, mapper));
				}
			}
			else if ("presence".equals(type)) {
				presenceChanged(frame);
			}
			else if (!"message".equals(type)) {
				roomAnswered(type, frame);
			}
			else {
				submitMessage(frame, seq, text);
			}
		}
		if (ackNow) {
			pump(link);
		}
		this.callbacks.flush();
	}

	/**
	 * Hands a message frame to the callbacks; callers hold the lock.
	 */
	private void submitMessage(JsonNode frame, long seq, String text) {
		JsonNode room = frame.get("room");
		ClientMessage message = new ClientMessage(seq, frame.path("event").asText(),
				(room != null && !room.isNull()) ? room.asText() : null, frame.path("payload"), text,
				this.settings.objectMapper(), frame.path("history").asBoolean(false));
		this.callbacks.submit(() -> deliver(message));
	}

	private void deliver(ClientMessage message) {
		for (PulseClientListener listener : this.settings.listeners()) {
			safely(() -> listener.onMessage(message));
		}
		List<ClientSettings.TypedHandler<?>> handlers = this.settings.handlers().get(message.event());
		if (handlers != null) {
			for (ClientSettings.TypedHandler<?> handler : handlers) {
				safely(() -> handler.handle(message));
			}
		}
	}

	/**
	 * Takes the numbered messages out of the unconfirmed buffer and the head of the queue (put back there by an
	 * earlier resume), in order; callers hold the lock.
	 */
	private List<Outgoing> takeNumbered() {
		List<Outgoing> numbered = new ArrayList<>(this.unconfirmed);
		this.unconfirmed.clear();
		while (!this.queue.isEmpty() && this.queue.peek().cseq > 0) {
			numbered.add(this.queue.poll());
		}
		return numbered;
	}

	/**
	 * The server acknowledged every message up to {@code cseq}: they leave the unconfirmed buffer.
	 */
	private void confirmed(Link link, long cseq) {
		List<Outgoing> done = new ArrayList<>();
		synchronized (this.lock) {
			if (link != this.link || !link.established) {
				return;
			}
			while (!this.unconfirmed.isEmpty() && this.unconfirmed.peek().cseq <= cseq) {
				done.add(this.unconfirmed.poll());
			}
		}
		done.forEach((outgoing) -> outgoing.complete(null));
	}

	private void ackTimerFired(Link link) {
		synchronized (this.lock) {
			this.ackTimer = null;
			if (link != this.link || this.lastSeq <= this.lastAcked) {
				return;
			}
			this.ackDue = true;
		}
		pump(link);
	}

	// ---- outbound

	/**
	 * Writes queued frames, acknowledgements first, one at a time as the JDK WebSocket requires; then the close
	 * frame when closing.
	 */
	private void pump(Link link) {
		while (true) {
			Outgoing next;
			WebSocket webSocket;
			synchronized (this.lock) {
				webSocket = link.webSocket;
				if (link != this.link || !link.established || link.writing || link.closeSent || webSocket == null) {
					return;
				}
				next = takeNext(link);
				if (next == null) {
					return;
				}
			}
			if (next == Outgoing.CLOSE) {
				guard(() -> webSocket.sendClose(NORMAL, "")).whenComplete((ws, failure) -> {
					if (failure != null) {
						forceClose("close frame could not be sent: " + unwrap(failure));
					}
				});
				return;
			}
			CompletableFuture<WebSocket> write = guard(() -> webSocket.sendText(next.wire(), true));
			if (write.isDone()) {
				if (!written(link, next, failure(write))) {
					return;
				}
				continue;
			}
			write.whenComplete((ws, failure) -> {
				if (written(link, next, (failure != null) ? unwrap(failure) : null)) {
					pump(link);
				}
			});
			return;
		}
	}

	private @Nullable Outgoing takeNext(Link link) {
		if (this.ackDue && this.lastSeq > this.lastAcked) {
			this.ackDue = false;
			this.lastAcked = this.lastSeq;
			this.unacked = 0;
			cancelAckTimer();
			link.writing = true;
			return Outgoing.ack(this.lastSeq);
		}
		this.ackDue = false;
		Outgoing next = this.queue.poll();
		if (next != null) {
			if (this.sequenced && next.cseq == 0 && next.future != null) {
				next.cseq = ++this.lastCseq;
			}
			link.writing = true;
			return next;
		}
		if (this.closing) {
			link.closeSent = true;
			return Outgoing.CLOSE;
		}
		return null;
	}

	/**
	 * Bookkeeping after a write; returns whether the writer may go on.
	 */
	private boolean written(Link link, Outgoing frame, @Nullable Throwable failure) {
		boolean numbered = frame.cseq > 0;
		synchronized (this.lock) {
			link.writing = false;
			if (failure == null && frame.request != null) {
				frame.request.written = true;
			}
			if (numbered) {
				// kept until the server acknowledges it; written or not, a resume sends it again if the server
				// did not process it
				this.unconfirmed.add(frame);
			}
		}
		if (failure == null) {
			frame.complete(null);
			return true;
		}
		if (numbered) {
			lost(link, ABNORMAL, "write failed: " + failure, failure, false);
			return false;
		}
		frame.complete(new PulseClientException("Transport failed while writing '" + frame.event
				+ "'; the frame may or may not have reached the server", failure));
		lost(link, ABNORMAL, "write failed: " + failure, failure, false);
		return false;
	}

	private String encode(String event, @Nullable Object payload, @Nullable String ref) {
		if (event.isEmpty() || event.length() > MAX_EVENT_LENGTH) {
			throw new IllegalArgumentException(
					"Event name must be 1 to " + MAX_EVENT_LENGTH + " characters, got " + event.length());
		}
		try {
			ObjectNode frame = this.settings.objectMapper().createObjectNode();
			frame.put("type", "message");
			frame.put("event", event);
			if (ref != null) {
				frame.put("ref", ref);
			}
			if (payload != null) {
				frame.set("payload", this.settings.objectMapper().valueToTree(payload));
			}
			return this.settings.objectMapper().writeValueAsString(frame);
		}
		catch (Exception ex) {
			throw new IllegalArgumentException("Payload of '" + event + "' cannot be written as JSON: "
					+ ex.getMessage(), ex);
		}
	}

	// ---- heartbeat

	private void startHeartbeat(Link link) {
		if (!this.settings.heartbeatInterval().isZero()) {
			link.heartbeat = schedule(() -> ping(link), this.settings.heartbeatInterval());
		}
	}

	private void ping(Link link) {
		WebSocket webSocket;
		synchronized (this.lock) {
			webSocket = link.webSocket;
			if (link != this.link || webSocket == null) {
				return;
			}
			long marker = link.inbound;
			link.pongCheck = schedule(() -> checkPong(link, marker), this.settings.heartbeatTimeout());
			link.heartbeat = schedule(() -> ping(link), this.settings.heartbeatInterval());
		}
		// an earlier ping still being written fails this one; the pong check covers it
		guard(() -> webSocket.sendPing(ByteBuffer.allocate(0)));
	}

	private void checkPong(Link link, long marker) {
		boolean dead;
		synchronized (this.lock) {
			dead = link == this.link && link.inbound == marker;
		}
		if (dead) {
			lost(link, ABNORMAL, "heartbeat timeout: nothing received within " + this.settings.heartbeatTimeout()
					+ " of a ping", null, false);
		}
	}

	// ---- plumbing

	private void setState(ClientState next) {
		ClientState previous = this.state;
		if (previous != next) {
			this.state = next;
			emit((listener) -> listener.onStateChange(previous, next));
		}
	}

	private void emit(Consumer<PulseClientListener> callback) {
		this.callbacks.submit(() -> {
			for (PulseClientListener listener : this.settings.listeners()) {
				safely(() -> callback.accept(listener));
			}
		});
	}

	private void safely(Runnable callback) {
		try {
			callback.run();
		}
		catch (RuntimeException ex) {
			reportError(ex);
		}
	}

	private void reportError(Throwable error) {
		if (this.settings.listeners().isEmpty()) {
			log(System.Logger.Level.WARNING, () -> "pulse client error: " + error);
		}
		for (PulseClientListener listener : this.settings.listeners()) {
			try {
				listener.onError(error);
			}
			catch (RuntimeException ex) {
				logger.log(System.Logger.Level.WARNING, "PulseClientListener.onError failed", ex);
			}
		}
	}

	private void finish(List<Runnable> after) {
		for (Runnable action : after) {
			action.run();
		}
		this.callbacks.flush();
	}

	private @Nullable ScheduledFuture<?> schedule(Runnable task, Duration delay) {
		try {
			return this.settings.scheduler().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			logger.log(System.Logger.Level.ERROR, "pulse client scheduler refused a task; is it shut down?", ex);
			return null;
		}
	}

	private void cancelAckTimer() {
		cancel(this.ackTimer);
		this.ackTimer = null;
	}

	private static void cancel(@Nullable ScheduledFuture<?> task) {
		if (task != null) {
			task.cancel(false);
		}
	}

	/**
	 * Runs a JDK WebSocket send, turning an exception thrown instead of returned into a failed future.
	 */
	private static CompletableFuture<WebSocket> guard(Supplier<CompletableFuture<WebSocket>> send) {
		try {
			return send.get();
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	private static @Nullable HandshakeRejectedException rejection(@Nullable Throwable cause) {
		if (cause instanceof WebSocketHandshakeException handshake) {
			return new HandshakeRejectedException(handshake.getResponse().statusCode(), handshake);
		}
		return null;
	}

	private static @Nullable Throwable failure(CompletableFuture<?> done) {
		try {
			done.join();
			return null;
		}
		catch (CompletionException ex) {
			return unwrap(ex);
		}
		catch (RuntimeException ex) {
			return ex;
		}
	}

	private static Throwable unwrap(Throwable failure) {
		Throwable cause = failure;
		while ((cause instanceof CompletionException || cause instanceof ExecutionException)
				&& cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause;
	}

	private static String redact(URI uri) {
		return (uri.getRawQuery() != null) ? uri.toString().replaceAll("resume=[^&]*", "resume=***") : uri.toString();
	}

	private static String abbreviate(String text) {
		return (text.length() <= 200) ? text : text.substring(0, 200) + "...";
	}

	private static void log(System.Logger.Level level, Supplier<String> message) {
		if (logger.isLoggable(level)) {
			logger.log(level, message.get());
		}
	}

	/**
	 * A frame waiting to be written: an application message with its future, an acknowledgement, or the close
	 * marker.
	 */
	private static final class Outgoing {

		static final Outgoing CLOSE = new Outgoing("close", "", null, null);

		/** How every message frame {@link #encode} writes starts. */
		static final String MESSAGE_PREFIX = "{\"type\":\"message\",";

		final String event;

		final String text;

		final @Nullable CompletableFuture<Void> future;

		final PendingRequests.@Nullable Request request;

		/** Client sequence number, given when first written in a session that takes them; 0 before. */
		long cseq;

		Outgoing(String event, String text, @Nullable CompletableFuture<Void> future,
				PendingRequests.@Nullable Request request) {
			this.event = event;
			this.text = text;
			this.future = future;
			this.request = request;
		}

		/** The frame as written: with its client sequence number once it has one. */
		String wire() {
			return (this.cseq == 0) ? this.text
					: MESSAGE_PREFIX + "\"cseq\":" + this.cseq + "," + this.text.substring(MESSAGE_PREFIX.length());
		}

		static Outgoing ack(long seq) {
			return new Outgoing("ack", "{\"type\":\"ack\",\"seq\":" + seq + "}", null, null);
		}

		void complete(@Nullable Throwable failure) {
			if (this.future == null) {
				return;
			}
			if (failure == null) {
				this.future.complete(null);
			}
			else {
				this.future.completeExceptionally(failure);
			}
		}

	}

	/**
	 * One transport attempt. Callbacks of a link that is no longer the client's current one are ignored, so a
	 * stale socket can never deliver or duplicate anything. Fields other than {@code inbound} are guarded by the
	 * client's lock; {@code inbound} and {@code text} are touched only by the JDK's listener calls, which are
	 * sequential.
	 */
	private final class Link implements WebSocket.Listener {

		final int number;

		@Nullable WebSocket webSocket;

		boolean established;

		boolean writing;

		boolean closeSent;

		@Nullable ScheduledFuture<?> handshakeTimer;

		@Nullable ScheduledFuture<?> heartbeat;

		@Nullable ScheduledFuture<?> pongCheck;

		volatile long inbound;

		private final StringBuilder text = new StringBuilder();

		Link(int number) {
			this.number = number;
		}

		void stop() {
			cancel(this.handshakeTimer);
			cancel(this.heartbeat);
			cancel(this.pongCheck);
		}

		void abortAfter(List<Runnable> after) {
			WebSocket ws = this.webSocket;
			if (ws != null) {
				after.add(ws::abort);
			}
		}

		@Override
		public void onOpen(WebSocket webSocket) {
			opened(this, webSocket);
			webSocket.request(1);
		}

		@Override
		public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
			this.inbound++;
			this.text.append(data);
			if (last) {
				String frame = this.text.toString();
				this.text.setLength(0);
				received(this, frame);
			}
			webSocket.request(1);
			return null;
		}

		@Override
		public @Nullable CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
			this.inbound++;
			webSocket.request(1);
			return null;
		}

		@Override
		public @Nullable CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
			this.inbound++;
			webSocket.request(1);
			return null;
		}

		@Override
		public @Nullable CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
			this.inbound++;
			webSocket.request(1);
			return null;
		}

		@Override
		public @Nullable CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
			lost(this, statusCode, reason, null, true);
			return null;
		}

		@Override
		public void onError(WebSocket webSocket, Throwable error) {
			lost(this, ABNORMAL, String.valueOf(error), error, false);
		}

	}

}
