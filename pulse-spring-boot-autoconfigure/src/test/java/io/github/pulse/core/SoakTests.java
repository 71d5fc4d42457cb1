package io.github.pulse.core;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

import io.github.pulse.ConnectDecision;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.codec.JacksonPulseCodec;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import io.github.pulse.PulseCloseStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Soak: 2,000 connection slots churn through connect, chat, ack, abrupt drop, resume and close on two threads
 * against the real engine (real clock, timer, I/O executor) with in-memory transports; real sockets would cost this
 * shared machine more than the engine under test. At the end every session is accounted for in the listener
 * callbacks, no room or suspended session remains, and the heap after a full GC is within 10% of its start.
 * <p>
 * Runs 10 s by default; {@code -Dpulse.soak.seconds=60} (or more) for the full length.
 */
@Tag("heavy")
class SoakTests {

	private static final int SLOTS = 2000;

	private static final int ROOMS = 20;

	private final Map<String, Tally> tallies = new ConcurrentHashMap<>();

	private volatile SessionManager manager;

	/** Listener callbacks of one session. */
	static final class Tally {

		final AtomicInteger connects = new AtomicInteger();

		final AtomicInteger disconnects = new AtomicInteger();

		final AtomicInteger drops = new AtomicInteger();

		final AtomicInteger restores = new AtomicInteger();

		volatile @Nullable DisconnectReason reason;

	}

	/** A client slot: its session's transport and resume state. */
	record Slot(PulseConnection connection, CountingTransport transport, String token) {
	}

	@Test
	void twoThousandChurningConnectionsLeaveNothingBehind() throws Exception {
		long seconds = Long.getLong("pulse.soak.seconds", 10);
		PulseSettings d = PulseSettings.defaults();
		PulseSettings settings = new PulseSettings(d.heartbeatInterval(), d.heartbeatTimeout(), d.writeTimeout(), null,
				Duration.ofSeconds(2), 64, d.sendBufferBytes(), d.overflowPolicy(), Duration.ofMillis(400), 64,
				d.sendBufferBytes(), -1);
		SessionManager manager = new SessionManager(settings, new JacksonPulseCodec(), List.of(listener()),
				PulseObserver.NOOP, System::nanoTime);
		this.manager = manager;
		manager.start();
		long heapBefore = heapAfterGc();
		AtomicReferenceArray<Slot> open = new AtomicReferenceArray<>(SLOTS);
		AtomicReferenceArray<Slot> suspended = new AtomicReferenceArray<>(SLOTS);
		AtomicLong operations = new AtomicLong();
		AtomicLong resumed = new AtomicLong();
		long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
		List<Thread> workers = new ArrayList<>();
		for (int w = 0; w < 2; w++) {
			int worker = w;
			Thread thread = new Thread(() -> {
				ThreadLocalRandom random = ThreadLocalRandom.current();
				while (System.nanoTime() < deadline) {
					// each worker owns half of the slots, so a slot is never raced by two workers
					int slot = worker + 2 * random.nextInt(SLOTS / 2);
					churn(manager, open, suspended, slot, random, resumed);
					operations.incrementAndGet();
				}
			}, "soak-" + w);
			workers.add(thread);
			thread.start();
		}
		for (Thread thread : workers) {
			thread.join();
		}
		for (int i = 0; i < SLOTS; i++) {
			Slot slot = open.get(i);
			if (slot != null) {
				manager.onTransportClosed(slot.connection(), slot.transport(), PulseCloseStatus.NORMAL);
			}
		}
		Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			assertThat(manager.connectionCount()).isZero();
			assertThat(manager.suspendedCount()).isZero();
			assertThat(manager.roomCount()).isZero();
			assertThat(manager.connections()).isEmpty();
			assertThat(manager.tokens().liveCount()).isZero();
		});
		manager.shutdown();

		assertThat(operations.get()).isGreaterThan(SLOTS);
		assertThat(resumed.get()).isPositive();
		assertThat(this.tallies).isNotEmpty();
		this.tallies.forEach((id, tally) -> {
			assertThat(tally.connects.get()).as("connects of " + id).isOne();
			assertThat(tally.disconnects.get()).as("disconnects of " + id).isOne();
			int unrestored = tally.drops.get() - tally.restores.get();
			assertThat(unrestored).as("drops not restored of " + id).isBetween(0, 1);
			if (unrestored == 1) {
				assertThat(tally.reason).isEqualTo(DisconnectReason.RESUME_EXPIRED);
			}
		});
		int sessions = this.tallies.size();
		// what the test itself holds (its slots and tallies) must not count as the engine's
		this.tallies.clear();
		for (int i = 0; i < SLOTS; i++) {
			open.set(i, null);
			suspended.set(i, null);
		}
		long heapAfter = heapAfterGc();
		System.out.printf("soak: %d s, %d operations, %d sessions, %d resumes, heap %d KiB -> %d KiB%n", seconds,
				operations.get(), sessions, resumed.get(), heapBefore / 1024, heapAfter / 1024);
		assertThat(heapAfter).isLessThanOrEqualTo(heapBefore + heapBefore / 10);
	}

	private static void churn(SessionManager manager, AtomicReferenceArray<Slot> open,
			AtomicReferenceArray<Slot> suspended, int index, ThreadLocalRandom random, AtomicLong resumed) {
		Slot current = open.get(index);
		Slot away = suspended.get(index);
		if (current == null && away != null) {
			// resume, possibly after the window: then a fresh session starts
			CountingTransport transport = new CountingTransport();
			PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of(room(random))), null,
					away.token(), away.transport().lastSeq());
			suspended.set(index, null);
			if (connection == away.connection()) {
				resumed.incrementAndGet();
			}
			open.set(index, new Slot(connection, transport, transport.token()));
			return;
		}
		if (current == null) {
			CountingTransport transport = new CountingTransport();
			PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of(room(random))), null,
					null, 0);
			open.set(index, new Slot(connection, transport, transport.token()));
			return;
		}
		int action = random.nextInt(100);
		if (action < 70) {
			String chat = "{\"type\":\"message\",\"event\":\"chat\",\"payload\":" + random.nextInt() + "}";
			manager.onText(current.connection(), current.transport(), chat, chat.length());
			String ack = "{\"type\":\"ack\",\"seq\":" + current.transport().lastSeq() + "}";
			manager.onText(current.connection(), current.transport(), ack, ack.length());
		}
		else if (action < 85) {
			manager.onTransportClosed(current.connection(), current.transport(), PulseCloseStatus.NO_CLOSE_FRAME);
			open.set(index, null);
			suspended.set(index, current);
		}
		else {
			manager.onTransportClosed(current.connection(), current.transport(), PulseCloseStatus.NORMAL);
			open.set(index, null);
		}
	}

	private static String room(ThreadLocalRandom random) {
		return "soak-" + random.nextInt(ROOMS);
	}

	private PulseListener listener() {
		return new PulseListener() {
			@Override
			public void onConnect(PulseConnection connection) {
				tally(connection).connects.incrementAndGet();
			}

			@Override
			public void onMessage(PulseConnection connection, PulseMessage message) {
				// a chat goes to the sender's rooms, as in the integration tests' application
				for (String room : connection.rooms()) {
					SoakTests.this.manager.broadcast(room, "chat", message.payload());
				}
			}

			@Override
			public void onDisconnect(PulseConnection connection, DisconnectReason reason,
					@Nullable PulseCloseStatus closeStatus) {
				Tally tally = tally(connection);
				tally.reason = reason;
				tally.disconnects.incrementAndGet();
			}

			@Override
			public void onTransportDrop(PulseConnection connection, DisconnectReason cause) {
				tally(connection).drops.incrementAndGet();
			}

			@Override
			public void onTransportRestore(PulseConnection connection) {
				tally(connection).restores.incrementAndGet();
			}
		};
	}

	private Tally tally(PulseConnection connection) {
		return this.tallies.computeIfAbsent(connection.id(), (id) -> new Tally());
	}

	private static long heapAfterGc() {
		long used = Long.MAX_VALUE;
		for (int i = 0; i < 3; i++) {
			System.gc();
			used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
		}
		return used;
	}

	/**
	 * Keeps nothing but the last seq and token it saw, so that the soak measures the engine's memory, not the
	 * test's.
	 */
	static final class CountingTransport implements Transport {

		private volatile long lastSeq;

		private volatile String token = "";


		@Override
		public void write(Frame frame, Consumer<@Nullable Throwable> onDone) {
			String text = frame.text();
			if (text.startsWith("{\"type\":\"message\",\"seq\":")) {
				int start = 24;
				int end = text.indexOf(',', start);
				this.lastSeq = Long.parseLong(text, start, end, 10);
			}
			else if (text.contains("\"resumeToken\":\"")) {
				int start = text.indexOf("\"resumeToken\":\"") + 15;
				this.token = text.substring(start, text.indexOf('"', start));
			}
			onDone.accept(null);
		}

		long lastSeq() {
			return this.lastSeq;
		}

		String token() {
			return this.token;
		}

		@Override
		public void ping(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
			onDone.accept(null);
		}

		@Override
		public void flush(Consumer<@Nullable Throwable> onDone) {
			onDone.accept(null);
		}

		@Override
		public void close(PulseCloseStatus status) {
		}

		@Override
		public @Nullable InetSocketAddress remoteAddress() {
			return null;
		}

	}

}
