package io.github.pulse.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.codec.JacksonPulseCodec;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import io.github.pulse.PulseCloseStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine with in-memory transports and a hand-driven clock: timers, resume bookkeeping and a concurrency
 * stress test.
 */
class SessionManagerTests {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final Map<String, AtomicInteger> disconnects = new ConcurrentHashMap<>();

	private final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());

	private SessionManager manager;

	private SessionManager manager(PulseSettings settings) {
		PulseListener listener = new PulseListener() {
			@Override
			public void onDisconnect(PulseConnection connection, DisconnectReason reason,
					@Nullable PulseCloseStatus closeStatus) {
				SessionManagerTests.this.disconnects.computeIfAbsent(connection.id(), (k) -> new AtomicInteger())
					.incrementAndGet();
				SessionManagerTests.this.events.add("disconnect:" + reason);
			}

			@Override
			public void onTransportDrop(PulseConnection connection, DisconnectReason cause) {
				SessionManagerTests.this.events.add("drop:" + cause);
			}
		};
		this.manager = new SessionManager(settings, new JacksonPulseCodec(), List.of(listener), PulseObserver.NOOP,
				this.now::get);
		return this.manager;
	}

	@AfterEach
	void stop() {
		if (this.manager != null) {
			this.manager.shutdown();
		}
	}

	private static PulseSettings settings(Duration interval, Duration timeout, Duration window) {
		PulseSettings d = PulseSettings.defaults();
		return new PulseSettings(interval, timeout, d.writeTimeout(), null, Duration.ofMillis(100),
				d.sendBufferFrames(), d.sendBufferBytes(), d.overflowPolicy(), window, d.resumeBufferFrames(),
				d.resumeBufferBytes(), -1);
	}

	private void advance(Duration duration) {
		this.now.addAndGet(duration.toNanos());
		this.manager.tick();
	}

	// The heartbeat tests use a gathering transport: its pings are written on the thread that runs the timer, so
	// every step below is done when advance() returns. On a transport that does not gather, the ping is written
	// from the I/O executor, and the engine's bookkeeping after the write (the writer idle again) happens after the
	// transport has recorded the ping: a test that goes on as soon as it sees the ping races with that thread, and
	// a late one looks like a write still in flight (write timeout) or a writer still busy (no next ping).

	@Test
	void silentTransportIsPingedThenSuspendedThenExpired() {
		SessionManager manager = manager(settings(Duration.ofSeconds(25), Duration.ofSeconds(20),
				Duration.ofSeconds(30)));
		FakeTransport transport = new FakeTransport().gathering();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		advance(Duration.ofSeconds(24));
		assertThat(transport.pings).isZero();
		advance(Duration.ofSeconds(1));
		assertThat(transport.pings).isOne();
		advance(Duration.ofSeconds(19));
		assertThat(connection.state()).isEqualTo(ConnectionState.OPEN);
		advance(Duration.ofSeconds(1));
		assertThat(connection.state()).isEqualTo(ConnectionState.SUSPENDED);
		assertThat(this.events).containsExactly("drop:HEARTBEAT_TIMEOUT");
		assertThat(manager.connectionCount()).isZero();
		assertThat(manager.suspendedCount()).isOne();
		manager.broadcast("lobby", "while-away", 1);
		advance(Duration.ofSeconds(29));
		assertThat(connection.state()).isEqualTo(ConnectionState.SUSPENDED);
		advance(Duration.ofSeconds(1));
		assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
		assertThat(this.events).containsExactly("drop:HEARTBEAT_TIMEOUT", "disconnect:RESUME_EXPIRED");
		assertThat(manager.suspendedCount()).isZero();
		assertThat(manager.roomCount()).isZero();
		assertThat(manager.tokens().liveCount()).isZero();
		assertThat(manager.tokens().tombstoneCount()).isOne();
		advance(Duration.ofSeconds(31));
		assertThat(manager.tokens().tombstoneCount()).isZero();
	}

	@Test
	void pongKeepsTheTransportAlive() {
		SessionManager manager = manager(settings(Duration.ofSeconds(25), Duration.ofSeconds(20),
				Duration.ofSeconds(30)));
		FakeTransport transport = new FakeTransport().gathering();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		for (int i = 0; i < 10; i++) {
			advance(Duration.ofSeconds(25));
			assertThat(transport.pings).isEqualTo(i + 1);
			advance(Duration.ofSeconds(10));
			manager.onPong(connection, transport);
		}
		assertThat(connection.state()).isEqualTo(ConnectionState.OPEN);
		assertThat(this.events).isEmpty();
	}

	@Test
	void aPingOnATransportThatDoesNotGatherIsWrittenByTheIoExecutorAndTheWriterGoesOnAfterIt() {
		SessionManager manager = manager(settings(Duration.ofSeconds(25), Duration.ofSeconds(20),
				Duration.ofSeconds(30)));
		FakeTransport transport = new FakeTransport();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		advance(Duration.ofSeconds(25));
		Awaitility.await().until(() -> transport.pings == 1);
		// whether the executor is done with the ping or not, the message goes out after it: never lost, never
		// overtaking the ping
		connection.send("after-ping", 1);
		Awaitility.await().until(() -> transport.messages().size() == 1);
		assertThat(transport.messages().get(0)).startsWith("{\"type\":\"message\",\"seq\":1,");
		assertThat(connection.state()).isEqualTo(ConnectionState.OPEN);
	}

	@Test
	void idleTimeoutCountsApplicationMessagesButNotPings() {
		PulseSettings d = PulseSettings.defaults();
		SessionManager manager = manager(new PulseSettings(d.heartbeatInterval(), d.heartbeatTimeout(),
				d.writeTimeout(), Duration.ofMillis(800), d.shutdownTimeout(), d.sendBufferFrames(),
				d.sendBufferBytes(), d.overflowPolicy(), d.resumeWindow(), d.resumeBufferFrames(),
				d.resumeBufferBytes(), -1));
		FakeTransport pinging = new FakeTransport().gathering();
		PulseConnection idle = manager.open(pinging, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		FakeTransport talking = new FakeTransport().gathering();
		PulseConnection active = manager.open(talking, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		advance(Duration.ofMillis(500));
		manager.onText(idle, pinging, "{\"type\":\"ping\"}", 15);
		manager.onText(active, talking, "{\"type\":\"message\",\"event\":\"e\",\"payload\":null}", 45);
		advance(Duration.ofMillis(299));
		assertThat(idle.state()).isEqualTo(ConnectionState.OPEN);
		advance(Duration.ofMillis(1));
		// 800 ms after the connect: the ping did not count
		assertThat(idle.state()).isEqualTo(ConnectionState.CLOSED);
		assertThat(active.state()).isEqualTo(ConnectionState.OPEN);
		advance(Duration.ofMillis(499));
		assertThat(active.state()).isEqualTo(ConnectionState.OPEN);
		advance(Duration.ofMillis(1));
		// 800 ms after its message
		assertThat(active.state()).isEqualTo(ConnectionState.CLOSED);
		assertThat(this.events).containsExactly("disconnect:IDLE_TIMEOUT", "disconnect:IDLE_TIMEOUT");
		Awaitility.await().until(() -> pinging.closes.size() == 1 && talking.closes.size() == 1);
		assertThat(pinging.closes).containsExactly(CloseCodes.IDLE_TIMEOUT);
		assertThat(talking.closes).containsExactly(CloseCodes.IDLE_TIMEOUT);
	}

	@Test
	void stalledWriteIsKilledAfterTheWriteTimeout() {
		SessionManager manager = manager(settings(Duration.ofSeconds(25), Duration.ofSeconds(20),
				Duration.ofSeconds(30)));
		FakeTransport transport = new FakeTransport();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		transport.stall();
		connection.send("big", "x");
		advance(Duration.ofSeconds(9));
		assertThat(connection.state()).isEqualTo(ConnectionState.OPEN);
		advance(Duration.ofSeconds(1));
		assertThat(connection.state()).isEqualTo(ConnectionState.SUSPENDED);
		// the peer is not reading: the connection is dropped, no close frame is attempted behind the stuck write
		Awaitility.await().until(() -> transport.aborts == 1);
		assertThat(transport.closes).isEmpty();
	}

	@Test
	void resumeReplaysUnacknowledgedFramesAndCountsWhatOverflowed() {
		PulseSettings d = PulseSettings.defaults();
		SessionManager manager = manager(new PulseSettings(d.heartbeatInterval(), d.heartbeatTimeout(),
				d.writeTimeout(), null, d.shutdownTimeout(), 4, d.sendBufferBytes(), d.overflowPolicy(),
				Duration.ofSeconds(30), 8, d.resumeBufferBytes(), -1));
		FakeTransport first = new FakeTransport();
		PulseConnection connection = manager.open(first, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		String token = token(first.texts.get(0));
		for (int i = 1; i <= 3; i++) {
			manager.broadcast("lobby", "m", i);
		}
		manager.onText(connection, first, "{\"type\":\"ack\",\"seq\":2}", 24);
		manager.onTransportClosed(connection, first, PulseCloseStatus.NO_CLOSE_FRAME);
		for (int i = 4; i <= 12; i++) {
			manager.broadcast("lobby", "m", i);
		}
		FakeTransport second = new FakeTransport();
		PulseConnection resumed = manager.open(second, ConnectDecision.accept(List.of("other")), null, token, 2);
		assertThat(resumed).isSameAs(connection);
		// retained: seq 3 (written, unacked) + 4..12 = 10 frames, limit 8: seq 3 and 4 overflowed
		assertThat(second.texts.get(0)).contains("\"replayed\":8,\"missed\":2");
		assertThat(second.messages()).hasSize(8);
		assertThat(second.messages().get(0)).startsWith("{\"type\":\"message\",\"seq\":5,");
		assertThat(second.messages().get(7)).startsWith("{\"type\":\"message\",\"seq\":12,");
		manager.broadcast("lobby", "m", 13);
		assertThat(second.messages().get(8)).startsWith("{\"type\":\"message\",\"seq\":13,");
		assertThat(manager.connectionCount()).isOne();
		assertThat(manager.suspendedCount()).isZero();
	}

	@Test
	void aTokenIsSpentOnceTheClientShowsItHoldsTheNextOne() {
		SessionManager manager = manager(settings(Duration.ofSeconds(25), Duration.ofSeconds(20),
				Duration.ofSeconds(30)));
		FakeTransport first = new FakeTransport();
		PulseConnection connection = manager.open(first, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		String token = token(first.texts.get(0));
		manager.onTransportClosed(connection, first, PulseCloseStatus.NO_CLOSE_FRAME);
		FakeTransport second = new FakeTransport();
		assertThat(manager.open(second, ConnectDecision.accept(List.of("lobby")), null, token, 0)).isSameAs(connection);
		// any frame on the new transport shows that the client read "resumed" and holds the new token
		manager.onText(connection, second, "{\"type\":\"ping\"}", 15);
		manager.onTransportClosed(connection, second, PulseCloseStatus.NO_CLOSE_FRAME);
		FakeTransport third = new FakeTransport();
		PulseConnection fresh = manager.open(third, ConnectDecision.accept(List.of("lobby")), null, token, 0);
		assertThat(fresh).isNotSameAs(connection);
		assertThat(third.texts.get(0)).contains("\"resumeFailed\":\"unknown\"");
		// the token handed out on the resume still resumes the session
		FakeTransport fourth = new FakeTransport();
		assertThat(manager.open(fourth, ConnectDecision.accept(List.of("lobby")), null, token(second.texts.get(0)), 0))
			.isSameAs(connection);
	}

	@Test
	void aCutBeforeTheClientReadsResumedDoesNotCostItTheSession() {
		SessionManager manager = manager(settings(Duration.ofSeconds(25), Duration.ofSeconds(20),
				Duration.ofSeconds(30)));
		FakeTransport first = new FakeTransport();
		PulseConnection connection = manager.open(first, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		String token = token(first.texts.get(0));
		manager.broadcast("lobby", "m", 1);
		manager.onTransportClosed(connection, first, PulseCloseStatus.NO_CLOSE_FRAME);
		manager.broadcast("lobby", "m", 2);
		// the server accepts the resume, but the transport is cut before the client reads "resumed"
		FakeTransport second = new FakeTransport();
		assertThat(manager.open(second, ConnectDecision.accept(List.of("lobby")), null, token, 1)).isSameAs(connection);
		String unread = token(second.texts.get(0));
		manager.onTransportClosed(connection, second, PulseCloseStatus.NO_CLOSE_FRAME);
		// the client still holds only the old token: it resumes the same session, with nothing lost
		FakeTransport third = new FakeTransport();
		assertThat(manager.open(third, ConnectDecision.accept(List.of("lobby")), null, token, 1)).isSameAs(connection);
		assertThat(third.texts.get(0)).contains("\"replayed\":1,\"missed\":0");
		assertThat(third.messages()).singleElement().asString().startsWith("{\"type\":\"message\",\"seq\":2,");
		// the token of the unread "resumed" is revoked: the session cannot be forked with it
		FakeTransport fork = new FakeTransport();
		assertThat(manager.open(fork, ConnectDecision.accept(List.of("lobby")), null, unread, 1)).isNotSameAs(connection);
		assertThat(connection.state()).isEqualTo(ConnectionState.OPEN);
		assertThat(manager.connectionCount()).isEqualTo(2);
		assertThat(manager.suspendedCount()).isZero();
	}

	@Test
	void concurrentResumesWithTheOldAndTheNewTokenNeverForkTheSession() {
		SessionManager manager = manager(settings(Duration.ofSeconds(25), Duration.ofSeconds(20),
				Duration.ofSeconds(30)));
		manager.setExecutor(Runnable::run);
		FakeTransport first = new FakeTransport();
		PulseConnection connection = manager.open(first, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		String old = token(first.texts.get(0));
		manager.onTransportClosed(connection, first, PulseCloseStatus.NO_CLOSE_FRAME);
		FakeTransport second = new FakeTransport();
		manager.open(second, ConnectDecision.accept(List.of("lobby")), null, old, 0);
		String next = token(second.texts.get(0));
		// both tokens are valid now; whichever resume comes last owns the session, the other transport is replaced
		FakeTransport withOld = new FakeTransport();
		FakeTransport withNext = new FakeTransport();
		assertThat(manager.open(withOld, ConnectDecision.accept(List.of("lobby")), null, old, 0)).isSameAs(connection);
		assertThat(manager.open(withNext, ConnectDecision.accept(List.of("lobby")), null, next, 0))
			.isNotSameAs(connection);
		assertThat(manager.connections()).hasSize(2);
		assertThat(withOld.closes).isEmpty();
		assertThat(second.closes).containsExactly(CloseCodes.REPLACED);
	}

	@Test
	void broadcastToTenThousandStalledConnectionsReturnsWithoutWaitingForAnyWrite() {
		SessionManager manager = manager(settings(Duration.ofSeconds(25), Duration.ofSeconds(20),
				Duration.ofSeconds(30)));
		List<FakeTransport> transports = new ArrayList<>();
		List<PulseConnection> connections = new ArrayList<>();
		for (int i = 0; i < 10_000; i++) {
			FakeTransport transport = new FakeTransport();
			connections.add(manager.open(transport, ConnectDecision.accept(List.of("all")), null, null, 0));
			// every socket is stuck: a write started on it never completes
			transport.stall();
			transports.add(transport);
		}
		assertThat(manager.broadcast("all", "first", 1)).isEqualTo(10_000);
		assertThat(manager.broadcast("all", "second", 2)).isEqualTo(10_000);
		// the first frame is in flight on each stuck socket, the second waits in its queue
		assertThat(transports).allSatisfy((t) -> assertThat(t.messages()).hasSize(1));
		assertThat(connections).allSatisfy((c) -> assertThat(c.queuedFrames()).isOne());
		transports.forEach(FakeTransport::release);
		assertThat(transports).allSatisfy((t) -> assertThat(t.messages()).hasSize(2));
		assertThat(connections).allSatisfy((c) -> assertThat(c.queuedFrames()).isZero());
	}

	static String token(String welcome) {
		int start = welcome.indexOf("\"resumeToken\":\"") + 15;
		return welcome.substring(start, start + 43);
	}

	@Test
	void concurrentJoinsLeavesBroadcastsKicksAndClosesLeaveNoRoomOrSessionBehind() throws Exception {
		SessionManager manager = manager(settings(Duration.ofSeconds(25), Duration.ofSeconds(20),
				Duration.ofSeconds(30)));
		List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
		Thread[] threads = new Thread[8];
		for (int t = 0; t < threads.length; t++) {
			threads[t] = new Thread(() -> {
				ThreadLocalRandom random = ThreadLocalRandom.current();
				List<PulseConnection> mine = new ArrayList<>();
				for (int i = 0; i < 3000; i++) {
					String room = "r" + random.nextInt(16);
					switch (random.nextInt(8)) {
						case 0 -> {
							FakeTransport transport = new FakeTransport();
							PulseConnection c = manager.open(transport, ConnectDecision.accept(List.of(room)), null,
									null, 0);
							ids.add(c.id());
							mine.add(c);
						}
						case 1 -> manager.connections(room).forEach((c) -> manager.kick(c.id()));
						case 2, 3 -> manager.broadcast(room, "x", i);
						case 4 -> pick(mine, random).ifPresent((c) -> {
							try {
								c.join(room);
							}
							catch (io.github.pulse.ConnectionClosedException ex) {
								// raced with a kick: fine
							}
						});
						case 5 -> pick(mine, random).ifPresent((c) -> c.leave(room));
						case 6 -> pick(mine, random).ifPresent(PulseConnection::close);
						default -> pick(mine, random).ifPresent((c) -> {
							try {
								c.send("d", room);
							}
							catch (io.github.pulse.PulseException ex) {
								// closed meanwhile
							}
						});
					}
				}
			});
		}
		for (Thread thread : threads) {
			thread.start();
		}
		for (Thread thread : threads) {
			thread.join();
		}
		manager.connections().forEach((c) -> manager.kick(c.id()));
		assertThat(manager.connections()).isEmpty();
		assertThat(manager.roomCount()).isZero();
		assertThat(manager.roomRegistry().view()).isEmpty();
		assertThat(manager.connectionCount()).isZero();
		assertThat(manager.suspendedCount()).isZero();
		assertThat(manager.tokens().liveCount()).isZero();
		assertThat(ids).isNotEmpty();
		for (String id : ids) {
			assertThat(this.disconnects.get(id)).as("disconnects of " + id).hasValue(1);
		}
	}

	private static java.util.Optional<PulseConnection> pick(List<PulseConnection> list, ThreadLocalRandom random) {
		return list.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(list.get(random.nextInt(list.size())));
	}

}
