package io.github.pulse.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jspecify.annotations.Nullable;

/**
 * A small NIO WebSocket load generator speaking pulse's wire protocol, or a peer's ({@link WireProtocol}): it opens thousands of connections from
 * several loopback source addresses over a few selector threads, has publisher connections send {@code chat}
 * messages carrying their intended send time ({@code System.nanoTime()}) at a fixed rate, and records the
 * end-to-end latency of every delivery in an HdrHistogram {@link Recorder}. Its own CPU time is exposed so that a
 * saturated generator shows in the results.
 * <p>
 * Messages carry the time they were scheduled, not the time they were written: when the server pushes back, the
 * wait counts as latency (no coordinated omission).
 */
public final class LoadGenerator implements AutoCloseable {

	private static final long MAX_LATENCY_MICROS = Duration.ofMinutes(10).toNanos() / 1000;

	private static final int PUBLISHER_BACKLOG_BYTES = 64 * 1024;

	private static final byte[] TIMESTAMP = "\"t\":".getBytes(StandardCharsets.US_ASCII);

	/** The servers: publishers connect to the first, subscribers round-robin over all. */
	private final List<InetSocketAddress> servers;

	private final String requestTarget;

	private final WireProtocol protocol;

	private final List<InetAddress> sources;

	private final EventLoop[] loops;

	private final List<WsConnection> publishers = new ArrayList<>();

	private final List<WsConnection> subscribers = new ArrayList<>();

	private final Recorder latency = new Recorder(MAX_LATENCY_MICROS, 3);

	private final LongAdder deliveries = new LongAdder();

	private final AtomicInteger welcomed = new AtomicInteger();

	private final AtomicInteger closed = new AtomicInteger();

	private final LongAdder errorCount = new LongAdder();

	private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

	private volatile boolean stopping;

	private final EventLoop.Handler handler = new EventLoop.Handler() {

		@Override
		public byte[] upgradeRequest(WsConnection connection) {
			return LoadGenerator.upgradeRequest(LoadGenerator.this.requestTarget, connection.server);
		}

		@Override
		public void onUpgraded(WsConnection connection) throws IOException {
			LoadGenerator.this.onUpgraded(connection);
		}

		@Override
		public void onText(WsConnection connection, byte[] bytes, int offset, int length) {
			LoadGenerator.this.onText(connection, bytes, offset, length);
		}

		@Override
		public void onError(@Nullable WsConnection connection, String error) {
			LoadGenerator.this.onError(error);
		}

		@Override
		public void onClosed(WsConnection connection) {
			LoadGenerator.this.onClosed(connection);
		}

		@Override
		public boolean isStopping() {
			return LoadGenerator.this.isStopping();
		}

	};

	/**
	 * Creates a generator and starts its selector threads.
	 * @param host the server's address
	 * @param port the server's port
	 * @param path the WebSocket path with its query, e.g. {@code /pulse?room=bench}
	 * @param sourceAddresses how many loopback source addresses (127.0.0.1, 127.0.0.2, ...) to spread over
	 * @param loopCount how many selector threads
	 * @throws IOException if a selector cannot be opened
	 */
	public LoadGenerator(String host, int port, String path, int sourceAddresses, int loopCount) throws IOException {
		this(host, port, WireProtocol.pulse(path), path, sourceAddresses, loopCount);
	}

	/**
	 * Creates a generator speaking the given protocol and starts its selector threads.
	 * @param host the server's address
	 * @param port the server's port
	 * @param protocol how to speak to the server
	 * @param path the WebSocket path with its query, usually {@code protocol.path()}
	 * @param sourceAddresses how many loopback source addresses (127.0.0.1, 127.0.0.2, ...) to spread over
	 * @param loopCount how many selector threads
	 * @throws IOException if a selector cannot be opened
	 */
	public LoadGenerator(String host, int port, WireProtocol protocol, String path, int sourceAddresses, int loopCount)
			throws IOException {
		this(host, List.of(port), protocol, path, sourceAddresses, loopCount);
	}

	/**
	 * Creates a generator for several servers of one cluster (the same host, e.g. pulse nodes sharing a Redis):
	 * publishers connect to the first port, subscribers are spread round-robin over all of them.
	 * @param host the servers' address
	 * @param ports the servers' ports, at least one; the first also takes the publishers
	 * @param protocol how to speak to the servers
	 * @param path the WebSocket path with its query, usually {@code protocol.path()}
	 * @param sourceAddresses how many loopback source addresses (127.0.0.1, 127.0.0.2, ...) to spread over
	 * @param loopCount how many selector threads
	 * @throws IOException if a selector cannot be opened
	 */
	public LoadGenerator(String host, List<Integer> ports, WireProtocol protocol, String path, int sourceAddresses,
			int loopCount) throws IOException {
		if (ports.isEmpty()) {
			throw new IllegalArgumentException("no server port given");
		}
		this.servers = ports.stream().map((port) -> new InetSocketAddress(host, port)).toList();
		this.requestTarget = path;
		this.protocol = protocol;
		this.sources = new ArrayList<>();
		for (int i = 1; i <= sourceAddresses; i++) {
			this.sources.add(InetAddress.getByAddress(new byte[] { 127, 0, 0, (byte) i }));
		}
		this.loops = new EventLoop[loopCount];
		for (int i = 0; i < loopCount; i++) {
			this.loops[i] = new EventLoop(this.handler, "load-loop-" + i);
			this.loops[i].start();
		}
	}

	/**
	 * Opens connections, at most {@code maxInFlight} handshakes at a time, and waits until all are welcomed or
	 * failed, or the timeout passes.
	 * @param publisherCount connections that will publish (they are in the room too)
	 * @param subscriberCount connections that only receive
	 * @param maxInFlight handshakes in progress at once (keep below the server's accept backlog)
	 * @param timeout how long to wait in total
	 * @return the number of welcomed connections
	 * @throws IOException if a socket cannot be opened
	 */
	public int connect(int publisherCount, int subscriberCount, int maxInFlight, Duration timeout) throws IOException {
		long deadline = System.nanoTime() + timeout.toNanos();
		int total = publisherCount + subscriberCount;
		int opened = this.publishers.size() + this.subscribers.size();
		for (int i = 0; i < total; i++) {
			while (opened - this.welcomed.get() - this.closed.get() >= maxInFlight && System.nanoTime() < deadline) {
				LockSupport.parkNanos(200_000);
			}
			boolean publisher = i < publisherCount;
			// publishers all on the first server; subscribers round-robin, so each server gets its share
			InetSocketAddress server = publisher ? this.servers.get(0)
					: this.servers.get((this.subscribers.size()) % this.servers.size());
			SocketChannel channel = SocketChannel.open();
			channel.configureBlocking(false);
			channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
			channel.bind(new InetSocketAddress(this.sources.get(opened % this.sources.size()), 0));
			channel.connect(server);
			EventLoop loop = this.loops[opened % this.loops.length];
			WsConnection connection = new WsConnection(channel, loop, publisher, server);
			connection.inbound = new ConnectionInbound(connection);
			(publisher ? this.publishers : this.subscribers).add(connection);
			loop.register(connection);
			opened++;
		}
		while (this.welcomed.get() + this.closed.get() < opened && System.nanoTime() < deadline) {
			LockSupport.parkNanos(1_000_000);
		}
		return this.welcomed.get();
	}

	/**
	 * Has the publishers send {@code event} messages round-robin at {@code rate} messages per second in total for
	 * {@code duration}. A publisher whose socket is backed up skips its turn; messages that could not be sent by the
	 * end are counted as unsent.
	 * @param event the event name: {@code chat} is broadcast to the room, {@code echo} comes back to the sender
	 * @param rate messages per second over all publishers
	 * @param duration how long to publish
	 * @param warmup after this much of the duration, {@code atMeasureStart} runs
	 * @param atMeasureStart called once when the warmup is over
	 * @return the counts of sent and unsent messages
	 * @throws IOException if a write fails
	 */
	public Published publish(String event, double rate, Duration duration, Duration warmup, Runnable atMeasureStart)
			throws IOException {
		long start = System.nanoTime();
		long end = start + duration.toNanos();
		long measureStart = start + warmup.toNanos();
		boolean measuring = false;
		double intervalNanos = 1e9 / rate;
		long scheduledTotal = (long) (duration.toNanos() / intervalNanos);
		long sent = 0;
		int next = 0;
		int publisherCount = this.publishers.size();
		byte[] prefix = "{\"t\":".getBytes(StandardCharsets.US_ASCII);
		while (true) {
			long now = System.nanoTime();
			if (!measuring && now >= measureStart) {
				atMeasureStart.run();
				measuring = true;
			}
			// the last pass sends what fell due in the final tick, so a step is not short by a tick's messages
			boolean last = now >= end;
			long due = last ? scheduledTotal : Math.min((long) ((now - start) / intervalNanos) + 1, scheduledTotal);
			int blocked = 0;
			while (sent < due && blocked < publisherCount) {
				WsConnection publisher = this.publishers.get(next);
				next = (next + 1) % publisherCount;
				if (publisher.closed || publisher.pendingBytes() > PUBLISHER_BACKLOG_BYTES) {
					blocked++;
					continue;
				}
				long scheduled = start + (long) (sent * intervalNanos);
				publisher.write(Frames.masked(0x1, this.protocol.message(event, payload(prefix, scheduled, next))));
				sent++;
				blocked = 0;
			}
			if (last) {
				break;
			}
			LockSupport.parkNanos(Math.min(200_000, Math.max(20_000, (long) intervalNanos / 2)));
		}
		// everything scheduled within the duration that was not written, including what fell due during a final stall
		return new Published(sent, Math.max(0, scheduledTotal - sent));
	}

	private static byte[] payload(byte[] prefix, long scheduled, int publisher) {
		byte[] rest = (scheduled + ",\"p\":" + publisher + "}").getBytes(StandardCharsets.US_ASCII);
		byte[] message = Arrays.copyOf(prefix, prefix.length + rest.length);
		System.arraycopy(rest, 0, message, prefix.length, rest.length);
		return message;
	}

	void onText(WsConnection connection, byte[] bytes, int offset, int length) {
		this.protocol.onText(bytes, offset, length, connection.inbound);
	}

	void onUpgraded(WsConnection connection) throws IOException {
		for (byte[] text : this.protocol.afterUpgrade(connection.server.getHostString())) {
			connection.write(Frames.masked(0x1, text));
		}
	}

	private void delivered(byte[] bytes, int offset, int length) {
		int at = ProtocolBytes.indexOf(bytes, offset, length, TIMESTAMP);
		if (at < 0) {
			onError("delivery without a timestamp");
			return;
		}
		long now = System.nanoTime();
		long scheduled = Math.max(0, ProtocolBytes.digits(bytes, at + TIMESTAMP.length, offset + length));
		this.latency.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(0, (now - scheduled) / 1000)));
		this.deliveries.increment();
	}

	/**
	 * A WebSocket upgrade request with a random key.
	 * @param requestTarget path and query
	 * @param server the server, for the Host header
	 * @return the request bytes
	 */
	static byte[] upgradeRequest(String requestTarget, InetSocketAddress server) {
		byte[] key = new byte[16];
		ThreadLocalRandom.current().nextBytes(key);
		return ("GET " + requestTarget + " HTTP/1.1\r\nHost: " + server.getHostString() + ":"
				+ server.getPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
				+ Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII);
	}

	void onError(String error) {
		this.errorCount.increment();
		this.errors.computeIfAbsent(error, (key) -> new LongAdder()).increment();
	}

	void onClosed(WsConnection connection) {
		this.closed.incrementAndGet();
	}

	boolean isStopping() {
		return this.stopping;
	}

	/**
	 * Latencies recorded since the previous call, in microseconds.
	 * @return a histogram of the interval
	 */
	public Histogram takeLatency() {
		return this.latency.getIntervalHistogram();
	}

	/**
	 * Messages received with a timestamp, over all connections, since start.
	 * @return the delivery count
	 */
	public long deliveries() {
		return this.deliveries.sum();
	}

	/**
	 * Connections that received their welcome frame.
	 * @return the welcomed count
	 */
	public int welcomed() {
		return this.welcomed.get();
	}

	/**
	 * Connections closed (by either side, or failed to connect).
	 * @return the closed count
	 */
	public int closed() {
		return this.closed.get();
	}

	/**
	 * Errors so far: refused upgrades, unexpected closes, I/O failures.
	 * @return the error count
	 */
	public long errorCount() {
		return this.errorCount.sum();
	}

	/**
	 * Errors so far by kind.
	 * @return kind to count, sorted
	 */
	public Map<String, Long> errors() {
		Map<String, Long> sorted = new TreeMap<>();
		this.errors.forEach((kind, count) -> sorted.put(kind, count.sum()));
		return sorted;
	}

	/**
	 * Connections in the room: publishers and subscribers (each receives every broadcast).
	 * @return the recipient count
	 */
	public int recipients() {
		return this.publishers.size() + this.subscribers.size();
	}

	/**
	 * CPU time this generator's process has used, user and system.
	 * @return nanoseconds of CPU
	 */
	public static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	@Override
	public void close() throws InterruptedException {
		this.stopping = true;
		for (EventLoop loop : this.loops) {
			loop.stop();
		}
	}

	/**
	 * What the protocol reports about one connection, turned into the generator's counts.
	 */
	private final class ConnectionInbound implements WireProtocol.Inbound {

		private final WsConnection connection;

		ConnectionInbound(WsConnection connection) {
			this.connection = connection;
		}

		@Override
		public void welcomed() {
			if (!this.connection.welcomed) {
				this.connection.welcomed = true;
				LoadGenerator.this.welcomed.incrementAndGet();
			}
		}

		@Override
		public void delivered(byte[] bytes, int offset, int length) {
			LoadGenerator.this.delivered(bytes, offset, length);
		}

		@Override
		public void reply(byte[] text) {
			try {
				this.connection.write(Frames.masked(0x1, text));
			}
			catch (IOException ex) {
				onError("reply: " + ex.getMessage());
			}
		}

		@Override
		public void error(String kind) {
			if (!isStopping()) {
				onError(kind);
			}
		}

	}

	/**
	 * Outcome of one {@link #publish} call.
	 * @param sent messages written
	 * @param unsent messages scheduled but not written: every publisher was backed up, or the publishing thread fell
	 * behind
	 */
	public record Published(long sent, long unsent) {
	}

}
