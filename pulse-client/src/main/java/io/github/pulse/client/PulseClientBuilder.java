package io.github.pulse.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import org.jspecify.annotations.Nullable;

/**
 * Configures and connects a {@link PulseClient}. Obtain one with {@link PulseClient#builder(String)}; every
 * setting has a default, so {@code PulseClient.builder(url).connect()} is a working client.
 */
public final class PulseClientBuilder {

	private static final Set<String> RESTRICTED_HEADERS = Set.of("connection", "content-length", "expect", "host",
			"upgrade");

	private final URI uri;

	private final Map<String, String> headers = new LinkedHashMap<>();

	private @Nullable Supplier<Map<String, String>> headerSupplier;

	/** Subprotocol offered unless {@link #subprotocols} says otherwise: version 1 of the pulse wire protocol. */
	public static final String DEFAULT_SUBPROTOCOL = "pulse.v1";

	private List<String> subprotocols = List.of(DEFAULT_SUBPROTOCOL);

	private Duration connectTimeout = Duration.ofSeconds(10);

	private Duration handshakeTimeout = Duration.ofSeconds(10);

	private Backoff backoff = Backoff.DEFAULT;

	private int maxConsecutiveFailures;

	private boolean retryInitialConnect;

	private CloseCodePolicy closeCodePolicy = CloseCodePolicy.DEFAULT;

	private boolean resume = true;

	private int ackFrames = 64;

	private Duration ackInterval = Duration.ofSeconds(1);

	private Duration heartbeatInterval = Duration.ofSeconds(15);

	private Duration heartbeatTimeout = Duration.ofSeconds(10);

	private int sendQueueCapacity = 256;

	private Duration closeTimeout = Duration.ofSeconds(5);

	private @Nullable JsonMapper objectMapper;

	private @Nullable HttpClient httpClient;

	private @Nullable ScheduledExecutorService scheduler;

	private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

	private @Nullable Executor callbackExecutor;

	private final List<PulseClientListener> listeners = new ArrayList<>();

	private final Map<String, List<ClientSettings.TypedHandler<?>>> handlers = new LinkedHashMap<>();

	PulseClientBuilder(URI uri) {
		this.uri = Endpoints.websocket(uri);
	}

	/**
	 * Adds a header to every handshake, such as {@code Authorization} or {@code Origin}.
	 * @param name the header name
	 * @param value the value
	 * @return this builder
	 * @throws IllegalArgumentException for a header the JDK sets itself ({@code Connection}, {@code Host},
	 * {@code Upgrade}, {@code Content-Length}, {@code Expect}, {@code Sec-WebSocket-*})
	 */
	public PulseClientBuilder header(String name, String value) {
		this.headers.put(checkHeader(name), value);
		return this;
	}

	/**
	 * Refuses the headers the JDK sets itself, which it would otherwise only refuse when dialling.
	 */
	static String checkHeader(String name) {
		String lower = name.toLowerCase(Locale.ROOT);
		if (RESTRICTED_HEADERS.contains(lower) || lower.startsWith("sec-websocket-")) {
			throw new IllegalArgumentException("Header '" + name + "' is set by the JDK WebSocket client and cannot "
					+ "be configured; use subprotocols(..) for Sec-WebSocket-Protocol");
		}
		return name;
	}

	/**
	 * Computes extra headers for each handshake, reconnects included, for credentials that expire. A header the
	 * JDK sets itself makes the dial fail and the client {@link ClientState#FAILED}.
	 * @param supplier called before every dial
	 * @return this builder
	 */
	public PulseClientBuilder headers(Supplier<Map<String, String>> supplier) {
		this.headerSupplier = supplier;
		return this;
	}

	/**
	 * Subprotocols to offer, most preferred first, instead of {@value #DEFAULT_SUBPROTOCOL}; the server selects the
	 * first it offers itself and refuses the handshake with 400 if it offers none of them.
	 * @param mostPreferred the first choice
	 * @param lesserPreferred further choices
	 * @return this builder
	 */
	public PulseClientBuilder subprotocols(String mostPreferred, String... lesserPreferred) {
		List<String> all = new ArrayList<>();
		all.add(mostPreferred);
		all.addAll(List.of(lesserPreferred));
		this.subprotocols = List.copyOf(all);
		return this;
	}

	/**
	 * Time a dial may take, TCP connect and opening handshake together. Default 10 s.
	 * @param timeout a positive duration
	 * @return this builder
	 */
	public PulseClientBuilder connectTimeout(Duration timeout) {
		this.connectTimeout = positive(timeout, "connectTimeout");
		return this;
	}

	/**
	 * Time the server has, once the WebSocket is open, to send its first frame: {@code welcome} for a new session
	 * (also when a resume was refused), {@code resumed} for a resume. A transport still silent then is dropped
	 * without a close frame, so that a session the server may hold stays resumable, and counts as a failed
	 * attempt: the client reconnects with backoff, presenting the same resume token, or, on a first dial that is
	 * not retried, becomes {@link ClientState#FAILED}. Default 10 s.
	 * @param timeout a positive duration
	 * @return this builder
	 */
	public PulseClientBuilder handshakeTimeout(Duration timeout) {
		this.handshakeTimeout = positive(timeout, "handshakeTimeout");
		return this;
	}

	/**
	 * Reconnect delays. Default {@link Backoff#DEFAULT}: 500 ms doubling to 30 s, jitter 0.5.
	 * @param backoff the curve
	 * @return this builder
	 */
	public PulseClientBuilder backoff(Backoff backoff) {
		this.backoff = backoff;
		return this;
	}

	/**
	 * Reconnect delays, see {@link Backoff}.
	 * @param initialDelay base delay of the first attempt
	 * @param maxDelay ceiling of the base delay
	 * @param factor growth per attempt, at least 1
	 * @param jitter share of each delay removed at random, 0 to 1
	 * @return this builder
	 */
	public PulseClientBuilder backoff(Duration initialDelay, Duration maxDelay, double factor, double jitter) {
		return backoff(new Backoff(initialDelay, maxDelay, factor, jitter));
	}

	/**
	 * Number of consecutive failed attempts (dials that fail or transports that end before a session opens) after
	 * which the client gives up and becomes {@link ClientState#FAILED}. An open session resets the count. Default
	 * 0: no limit.
	 * @param limit the limit, 0 for none
	 * @return this builder
	 */
	public PulseClientBuilder maxConsecutiveFailures(int limit) {
		if (limit < 0) {
			throw new IllegalArgumentException("maxConsecutiveFailures (" + limit + ") must be 0 (no limit) or more");
		}
		this.maxConsecutiveFailures = limit;
		return this;
	}

	/**
	 * Whether a failed first dial is retried like a reconnect. Default {@code false}: the first dial fails fast,
	 * {@link PulseClient#opened()} completes exceptionally and the client becomes {@link ClientState#FAILED}.
	 * @param retry {@code true} to retry with backoff
	 * @return this builder
	 */
	public PulseClientBuilder retryInitialConnect(boolean retry) {
		this.retryInitialConnect = retry;
		return this;
	}

	/**
	 * Which close codes lead to a reconnect. Default {@link CloseCodePolicy#DEFAULT}.
	 * @param policy the policy
	 * @return this builder
	 */
	public PulseClientBuilder closeCodePolicy(CloseCodePolicy policy) {
		this.closeCodePolicy = policy;
		return this;
	}

	/**
	 * Whether reconnects try to resume the session with its resume token. Default {@code true}.
	 * @param resume {@code false} to start a new session on every reconnect
	 * @return this builder
	 */
	public PulseClientBuilder resume(boolean resume) {
		this.resume = resume;
		return this;
	}

	/**
	 * When received frames are acknowledged, which lets the server free its replay buffer: after every
	 * {@code frames} frames, and at the latest {@code interval} after the first unacknowledged one. Default 64
	 * frames or 1 s.
	 * @param frames frames per acknowledgement, at least 1
	 * @param interval longest delay of an acknowledgement, positive
	 * @return this builder
	 */
	public PulseClientBuilder ack(int frames, Duration interval) {
		if (frames < 1) {
			throw new IllegalArgumentException("ack frames (" + frames + ") must be at least 1");
		}
		this.ackFrames = frames;
		this.ackInterval = positive(interval, "ack interval");
		return this;
	}

	/**
	 * Client heartbeat: a WebSocket ping every {@code interval}; when nothing (no pong, no other frame) arrives
	 * within {@code timeout} of a ping, the transport is considered dead and the client reconnects. Default 15 s
	 * and 10 s; {@link Duration#ZERO} as interval turns the client heartbeat off (the server's pings are still
	 * answered).
	 * @param interval time between pings, zero for none
	 * @param timeout time a ping may go unanswered, positive
	 * @return this builder
	 */
	public PulseClientBuilder heartbeat(Duration interval, Duration timeout) {
		if (interval.isNegative()) {
			throw new IllegalArgumentException("heartbeat interval (" + interval + ") must be zero (off) or positive");
		}
		this.heartbeatInterval = interval;
		this.heartbeatTimeout = positive(timeout, "heartbeat timeout");
		return this;
	}

	/**
	 * Most frames that may wait for the connection, while disconnected or behind a write in progress. A send
	 * beyond it fails with {@link SendQueueFullException} and fires
	 * {@link PulseClientListener#onSendQueueOverflow(String, int)}. Default 256.
	 * @param capacity the capacity in frames, at least 1
	 * @return this builder
	 */
	public PulseClientBuilder sendQueueCapacity(int capacity) {
		if (capacity < 1) {
			throw new IllegalArgumentException("sendQueueCapacity (" + capacity + ") must be at least 1");
		}
		this.sendQueueCapacity = capacity;
		return this;
	}

	/**
	 * How long {@link PulseClient#close()} waits for queued frames and the server's close reply. Default 5 s.
	 * @param timeout a positive duration
	 * @return this builder
	 */
	public PulseClientBuilder closeTimeout(Duration timeout) {
		this.closeTimeout = positive(timeout, "closeTimeout");
		return this;
	}

	/**
	 * Jackson 3 mapper for payloads, sent and received: pass the application's (in a Spring Boot application, the
	 * {@code JsonMapper} bean) so that its modules and naming settings apply. Default a {@code JsonMapper} with the
	 * modules found on the class path.
	 * @param mapper the mapper
	 * @return this builder
	 */
	public PulseClientBuilder jsonMapper(JsonMapper mapper) {
		this.objectMapper = mapper;
		return this;
	}

	/**
	 * HTTP client to open WebSockets with. Default one client shared by every pulse client in the process.
	 * @param client the client
	 * @return this builder
	 */
	public PulseClientBuilder httpClient(HttpClient client) {
		this.httpClient = client;
		return this;
	}

	/**
	 * Scheduler for reconnect delays, heartbeats and acknowledgement timers; the client only calls
	 * {@code schedule(Runnable, long, TimeUnit)}. Default one daemon thread shared by every pulse client. Tests
	 * inject a scheduler with a virtual clock to check timing without sleeping.
	 * @param scheduler the scheduler
	 * @return this builder
	 */
	public PulseClientBuilder scheduler(ScheduledExecutorService scheduler) {
		this.scheduler = scheduler;
		return this;
	}

	/**
	 * Source of the random numbers in {@code [0, 1)} that jitter reconnect delays. Default
	 * {@link ThreadLocalRandom}.
	 * @param random the source
	 * @return this builder
	 */
	public PulseClientBuilder random(DoubleSupplier random) {
		this.random = random;
		return this;
	}

	/**
	 * Executor to run callbacks on; they still run one at a time and in order. Default none: callbacks run on the
	 * thread that observed the event, which must therefore not be blocked.
	 * @param executor the executor
	 * @return this builder
	 */
	public PulseClientBuilder callbackExecutor(Executor executor) {
		this.callbackExecutor = executor;
		return this;
	}

	/**
	 * Adds a listener.
	 * @param listener the listener
	 * @return this builder
	 */
	public PulseClientBuilder listener(PulseClientListener listener) {
		this.listeners.add(listener);
		return this;
	}

	/**
	 * Adds a handler for one event, called with the payload converted to {@code type}. A payload that cannot be
	 * converted is reported to {@link PulseClientListener#onError(Throwable)}.
	 * @param <T> the payload type
	 * @param event the event name
	 * @param type the payload type
	 * @param handler called with the payload ({@code null} when the frame has none)
	 * @return this builder
	 */
	public <T> PulseClientBuilder on(String event, Class<T> type, Consumer<? super @Nullable T> handler) {
		this.handlers.computeIfAbsent(event, (key) -> new ArrayList<>())
			.add(new ClientSettings.TypedHandler<>(type, handler));
		return this;
	}

	/**
	 * Builds the client and starts the first dial. Returns at once: sends are queued until the session opens,
	 * and {@link PulseClient#opened()} tells when it does.
	 * @return the client
	 */
	public PulseClient connect() {
		HttpClient http = (this.httpClient != null) ? this.httpClient : SharedResources.httpClient();
		Map<String, List<ClientSettings.TypedHandler<?>>> handlerCopy = new LinkedHashMap<>();
		this.handlers.forEach((event, list) -> handlerCopy.put(event, List.copyOf(list)));
		ObjectMapper mapper = (this.objectMapper != null) ? this.objectMapper
				: JsonMapper.builder().findAndAddModules().build();
		ClientSettings settings = new ClientSettings(this.uri, Map.copyOf(this.headers), this.headerSupplier,
				this.subprotocols, this.connectTimeout, this.handshakeTimeout, this.backoff,
				this.maxConsecutiveFailures, this.retryInitialConnect, this.closeCodePolicy, this.resume,
				this.ackFrames, this.ackInterval, this.heartbeatInterval, this.heartbeatTimeout,
				this.sendQueueCapacity, this.closeTimeout, mapper, http,
				(this.scheduler != null) ? this.scheduler : SharedResources.scheduler(), this.random,
				this.callbackExecutor, List.copyOf(this.listeners), Map.copyOf(handlerCopy));
		PulseClient client = new PulseClient(settings);
		client.start();
		return client;
	}

	private static Duration positive(Duration duration, String name) {
		if (duration.isNegative() || duration.isZero()) {
			throw new IllegalArgumentException(name + " (" + duration + ") must be positive");
		}
		return duration;
	}

}
