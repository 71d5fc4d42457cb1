package io.github.pulse.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * pulse-protocol clients on the generator's {@link EventLoop}s that check what they receive, for the scenarios that
 * need more than a latency (resume storm, overload): each client keeps its last {@code seq} and the last payload
 * counter {@code "n"} it saw and counts gaps, holes and duplicates in both; it remembers its resume token, can
 * reconnect with {@code ?resume=<token>&lastSeq=<n>}, acknowledges every {@code ackEvery} frames and records the
 * round trip of {@code echo} replies carrying {@code "t":<nanos>}. Frames are scanned as bytes, not parsed as JSON:
 * the server's field names are fixed by docs/protocol.md.
 */
final class TrackedClients implements EventLoop.Handler, AutoCloseable {

	private static final long MAX_MICROS = Duration.ofMinutes(10).toNanos() / 1000;

	private static final byte[] MESSAGE = ProtocolBytes.ascii("\"type\":\"message\"");

	private static final byte[] WELCOME = ProtocolBytes.ascii("\"type\":\"welcome\"");

	private static final byte[] RESUMED = ProtocolBytes.ascii("\"type\":\"resumed\"");

	private static final byte[] ECHO = ProtocolBytes.ascii("\"event\":\"echo\"");

	private static final byte[] SEQ = ProtocolBytes.ascii("\"seq\":");

	private static final byte[] COUNTER = ProtocolBytes.ascii("\"n\":");

	private static final byte[] TIME = ProtocolBytes.ascii("\"t\":");

	private static final byte[] TOKEN = ProtocolBytes.ascii("\"resumeToken\":\"");

	private static final byte[] RESUME_FAILED = ProtocolBytes.ascii("\"resumeFailed\"");

	private static final byte[] REPLAYED = ProtocolBytes.ascii("\"replayed\":");

	private static final byte[] MISSED = ProtocolBytes.ascii("\"missed\":");

	private final List<InetAddress> sources = new ArrayList<>();

	private final EventLoop[] loops;

	private final int ackEvery;

	private final List<Client> clients = new CopyOnWriteArrayList<>();

	private final AtomicInteger opened = new AtomicInteger();

	private final AtomicInteger welcomed = new AtomicInteger();

	private final AtomicInteger resumed = new AtomicInteger();

	private final AtomicInteger resumeFailed = new AtomicInteger();

	private final LongAdder deliveries = new LongAdder();

	private final Recorder latency = new Recorder(MAX_MICROS, 3);

	private final Recorder echoRoundTrip = new Recorder(MAX_MICROS, 3);

	private final LongAdder echoes = new LongAdder();

	private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

	private volatile @Nullable ClosedListener closedListener;

	private volatile boolean stopping;

	/**
	 * Starts the selector threads.
	 * @param firstSource the first loopback source address (1 is 127.0.0.1)
	 * @param sourceCount how many consecutive loopback source addresses to spread connections over
	 * @param loopCount selector threads
	 * @param ackEvery acknowledge after this many frames; 0 never acknowledges
	 * @param name thread name prefix
	 * @throws IOException if a selector cannot be opened
	 */
	TrackedClients(int firstSource, int sourceCount, int loopCount, int ackEvery, String name) throws IOException {
		for (int i = 0; i < sourceCount; i++) {
			this.sources.add(InetAddress.getByAddress(new byte[] { 127, 0, 0, (byte) (firstSource + i) }));
		}
		this.ackEvery = ackEvery;
		this.loops = new EventLoop[loopCount];
		for (int i = 0; i < loopCount; i++) {
			this.loops[i] = new EventLoop(this, name + "-" + i);
			this.loops[i].start();
		}
	}

	/**
	 * Creates a client and opens its first connection.
	 * @param server where to connect (the server, or a proxy in front of it)
	 * @param target the upgrade request target, e.g. {@code /pulse?room=storm}
	 * @return the client
	 * @throws IOException if the socket cannot be opened
	 */
	Client open(InetSocketAddress server, String target) throws IOException {
		Client client = new Client(this.clients.size(), server);
		this.clients.add(client);
		connect(client, target);
		return client;
	}

	/**
	 * Opens {@code count} clients, at most {@code maxInFlight} handshakes at a time, and waits until all are
	 * welcomed or closed, or the timeout passes.
	 * @param server where to connect
	 * @param target the upgrade request target
	 * @param count how many
	 * @param maxInFlight handshakes at once
	 * @param timeout how long to wait
	 * @return the clients
	 * @throws IOException if a socket cannot be opened
	 */
	List<Client> openAll(InetSocketAddress server, String target, int count, int maxInFlight, Duration timeout)
			throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		int welcomedBefore = this.welcomed.get();
		List<Client> opened = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			while (opened.size() - (this.welcomed.get() - welcomedBefore) - closedAmong(opened) >= maxInFlight
					&& System.nanoTime() < deadline) {
				LockSupport.parkNanos(200_000);
			}
			opened.add(open(server, target));
		}
		while ((this.welcomed.get() - welcomedBefore) + closedAmong(opened) < count && System.nanoTime() < deadline) {
			LockSupport.parkNanos(1_000_000);
		}
		return opened;
	}

	private static int closedAmong(List<Client> clients) {
		int closed = 0;
		for (Client client : clients) {
			WsConnection connection = client.connection;
			if (connection != null && connection.closed && !client.welcomed) {
				closed++;
			}
		}
		return closed;
	}

	/**
	 * Reconnects a client with its resume token and the last {@code seq} it received.
	 * @param client the client
	 * @throws IOException if the socket cannot be opened
	 */
	void resume(Client client) throws IOException {
		client.attempts++;
		client.attemptStarted = System.nanoTime();
		connect(client, "/pulse?resume=" + client.token + "&lastSeq=" + client.lastSeq);
	}

	private void connect(Client client, String target) throws IOException {
		int index = this.opened.getAndIncrement();
		SocketChannel channel = SocketChannel.open();
		channel.configureBlocking(false);
		channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
		channel.bind(new InetSocketAddress(this.sources.get(index % this.sources.size()), 0));
		channel.connect(client.server);
		EventLoop loop = this.loops[index % this.loops.length];
		WsConnection connection = new WsConnection(channel, loop, false, client.server);
		connection.attachment = client;
		client.target = target;
		client.connection = connection;
		loop.register(connection);
	}

	/**
	 * Sends a {@code message} frame on the client's current connection.
	 * @param client the client
	 * @param event the event
	 * @param payload the JSON payload
	 * @return false when the connection is closed or more than {@code backlog} bytes are waiting to be written
	 * @param backlog queued bytes above which nothing is written
	 * @throws IOException if the write fails
	 */
	boolean send(Client client, String event, String payload, int backlog) throws IOException {
		WsConnection connection = client.connection;
		if (connection == null || connection.closed || connection.pendingBytes() > backlog) {
			return false;
		}
		connection.write(Frames.masked(0x1, ("{\"type\":\"message\",\"event\":\"" + event + "\",\"payload\":" + payload
				+ "}").getBytes(StandardCharsets.UTF_8)));
		return true;
	}

	/**
	 * Cuts a client's connection from this side without a close frame (TCP reset), as a dying network would.
	 * @param client the client
	 */
	void reset(Client client) {
		WsConnection connection = client.connection;
		if (connection != null) {
			try {
				connection.channel.setOption(StandardSocketOptions.SO_LINGER, 0);
				connection.channel.close();
			}
			catch (IOException ex) {
				// already gone
			}
		}
	}

	void onClosed(ClosedListener listener) {
		this.closedListener = listener;
	}

	@Override
	public byte[] upgradeRequest(WsConnection connection) {
		Client client = (Client) connection.attachment;
		return LoadGenerator.upgradeRequest(client.target, connection.server);
	}

	@Override
	public void onUpgraded(WsConnection connection) {
		// pulse speaks first
	}

	@Override
	public void onText(WsConnection connection, byte[] bytes, int offset, int length) {
		Client client = (Client) connection.attachment;
		long now = System.nanoTime();
		if (ProtocolBytes.indexOf(bytes, offset, length, MESSAGE) >= 0) {
			onMessage(connection, client, bytes, offset, length, now);
		}
		else if (ProtocolBytes.indexOf(bytes, offset, length, RESUMED) >= 0) {
			client.token = string(bytes, offset, length, TOKEN);
			client.replayed += ProtocolBytes.number(bytes, offset, length, REPLAYED);
			client.missed += ProtocolBytes.number(bytes, offset, length, MISSED);
			client.resumedAt = now;
			client.live = true;
			this.resumed.incrementAndGet();
		}
		else if (ProtocolBytes.indexOf(bytes, offset, length, WELCOME) >= 0) {
			client.token = string(bytes, offset, length, TOKEN);
			if (ProtocolBytes.indexOf(bytes, offset, length, RESUME_FAILED) >= 0) {
				// a new session: its seq starts again at 1, and the payload counter carries on
				client.resumeFailures++;
				client.lastSeq = 0;
				client.ackedSeq = 0;
				client.resumedAt = now;
				this.resumeFailed.incrementAndGet();
			}
			client.live = true;
			if (!client.welcomed) {
				client.welcomed = true;
				this.welcomed.incrementAndGet();
			}
		}
	}

	private void onMessage(WsConnection connection, Client client, byte[] bytes, int offset, int length, long now) {
		long time = ProtocolBytes.number(bytes, offset, length, TIME);
		if (ProtocolBytes.indexOf(bytes, offset, length, ECHO) >= 0) {
			if (time > 0) {
				this.echoRoundTrip.recordValue(Math.min(MAX_MICROS, Math.max(0, (now - time) / 1000)));
				this.echoes.increment();
			}
		}
		else {
			this.deliveries.increment();
			client.received++;
			if (time > 0) {
				this.latency.recordValue(Math.min(MAX_MICROS, Math.max(0, (now - time) / 1000)));
			}
			long counter = ProtocolBytes.number(bytes, offset, length, COUNTER);
			if (counter >= 0) {
				if (client.lastCounter >= 0 && counter > client.lastCounter + 1) {
					client.holes += counter - client.lastCounter - 1;
				}
				else if (client.lastCounter >= 0 && counter <= client.lastCounter) {
					client.duplicateCounters++;
				}
				client.lastCounter = Math.max(client.lastCounter, counter);
			}
		}
		long seq = ProtocolBytes.number(bytes, offset, length, SEQ);
		if (seq > 0) {
			// the raw peer sends seq 0: nothing to check there
			if (seq > client.lastSeq + 1) {
				client.gaps += seq - client.lastSeq - 1;
			}
			else if (seq <= client.lastSeq) {
				client.duplicateSeqs++;
			}
			client.lastSeq = Math.max(client.lastSeq, seq);
			if (this.ackEvery > 0 && client.lastSeq - client.ackedSeq >= this.ackEvery) {
				client.ackedSeq = client.lastSeq;
				try {
					connection.write(Frames.masked(0x1, ("{\"type\":\"ack\",\"seq\":" + client.lastSeq + "}")
						.getBytes(StandardCharsets.US_ASCII)));
				}
				catch (IOException ex) {
					onError(connection, "ack: " + ex.getMessage());
				}
			}
		}
	}

	private static @Nullable String string(byte[] bytes, int offset, int length, byte[] key) {
		int at = ProtocolBytes.indexOf(bytes, offset, length, key);
		if (at < 0) {
			return null;
		}
		int start = at + key.length;
		int end = start;
		while (end < offset + length && bytes[end] != '"') {
			end++;
		}
		return new String(bytes, start, end - start, StandardCharsets.US_ASCII);
	}

	@Override
	public void onError(@Nullable WsConnection connection, String error) {
		if (connection != null && connection.attachment instanceof Client client) {
			client.lastError = error;
			if (client.expectDrop) {
				return;
			}
		}
		if (!this.stopping) {
			this.errors.computeIfAbsent(error, (key) -> new LongAdder()).increment();
		}
	}

	@Override
	public void onClosed(WsConnection connection) {
		Client client = (Client) connection.attachment;
		if (client.connection == connection) {
			client.live = false;
		}
		ClosedListener listener = this.closedListener;
		if (listener != null && !this.stopping) {
			listener.closed(client, connection);
		}
	}

	@Override
	public boolean isStopping() {
		return this.stopping;
	}

	List<Client> clients() {
		return this.clients;
	}

	int welcomed() {
		return this.welcomed.get();
	}

	int resumed() {
		return this.resumed.get();
	}

	int resumeFailed() {
		return this.resumeFailed.get();
	}

	long deliveries() {
		return this.deliveries.sum();
	}

	long echoes() {
		return this.echoes.sum();
	}

	Histogram takeLatency() {
		return this.latency.getIntervalHistogram();
	}

	Histogram takeEchoRoundTrip() {
		return this.echoRoundTrip.getIntervalHistogram();
	}

	Map<String, Long> errors() {
		Map<String, Long> sorted = new TreeMap<>();
		this.errors.forEach((kind, count) -> sorted.put(kind, count.sum()));
		return sorted;
	}

	long errorCount() {
		return this.errors.values().stream().mapToLong(LongAdder::sum).sum();
	}

	@Override
	public void close() throws InterruptedException {
		this.stopping = true;
		for (EventLoop loop : this.loops) {
			loop.stop();
		}
	}

	/**
	 * Told when a connection closes, on its selector thread.
	 */
	@FunctionalInterface
	interface ClosedListener {

		void closed(Client client, WsConnection connection);

	}

	/**
	 * One logical client, across its connections. Fields written by its selector thread are read by the scenario
	 * only after the connection is quiet (or approximately, for progress).
	 */
	static final class Client {

		final int id;

		final InetSocketAddress server;

		volatile @Nullable WsConnection connection;

		volatile String target = "";

		volatile @Nullable String token;

		volatile boolean welcomed;

		volatile boolean live;

		/** Set by the scenario when it is about to cut the connection: the errors that follow are expected. */
		volatile boolean expectDrop;

		volatile long lastSeq;

		long ackedSeq;

		volatile long lastCounter = -1;

		volatile long received;

		volatile long gaps;

		volatile long holes;

		volatile long duplicateSeqs;

		volatile long duplicateCounters;

		volatile long replayed;

		volatile long missed;

		volatile int resumeFailures;

		volatile int attempts;

		volatile long attemptStarted;

		volatile long resumedAt;

		volatile @Nullable String lastError;

		Client(int id, InetSocketAddress server) {
			this.id = id;
			this.server = server;
		}

	}

}
