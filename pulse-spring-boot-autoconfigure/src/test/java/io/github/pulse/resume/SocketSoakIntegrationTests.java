package io.github.pulse.resume;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.PulseServer;
import io.github.pulse.test.ResumingClient;
import io.github.pulse.core.SessionManager;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import io.github.pulse.PulseCloseStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Soak on real sockets: for 60 s (or {@code -Dpulse.soak.sockets.seconds}), eight workers churn real WebSocket
 * connections through connect, chat, abrupt drop, resume and close, or abandon them to expire. At the end every
 * session is accounted for exactly once in the listener callbacks, nothing is left in rooms or suspended, and the
 * heap after a full GC is back within 10% of where it started.
 */
@SpringBootTest(classes = SocketSoakIntegrationTests.Ledger.class,
		webEnvironment = WebEnvironment.RANDOM_PORT, properties = "pulse.resume.window=2s")
@Tag("heavy")
class SocketSoakIntegrationTests {

	private static final Duration LENGTH = Duration.ofSeconds(Long.getLong("pulse.soak.sockets.seconds", 60));

	@LocalServerPort
	int port;

	@Autowired
	SessionManager manager;

	@Autowired
	Ledger ledger;

	/**
	 * The application under soak: chat is broadcast to the sender's rooms, and a ledger checks the callbacks of
	 * every session as they happen, holding only live sessions (so that it does not itself grow the heap).
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Ledger implements PulseListener {

		final Map<String, int[]> live = new ConcurrentHashMap<>();

		final AtomicInteger anomalies = new AtomicInteger();

		final AtomicLong connects = new AtomicLong();

		final AtomicLong disconnects = new AtomicLong();

		@Autowired
		PulseServer server;

		@Override
		public void onConnect(PulseConnection connection) {
			this.connects.incrementAndGet();
			if (this.live.putIfAbsent(connection.id(), new int[2]) != null) {
				this.anomalies.incrementAndGet();
			}
		}

		@Override
		public void onMessage(PulseConnection connection, PulseMessage message) {
			connection.rooms().forEach((room) -> this.server.broadcast(room, message.event(), message.payload()));
		}

		@Override
		public void onDisconnect(PulseConnection connection, DisconnectReason reason,
				@Nullable PulseCloseStatus closeStatus) {
			this.disconnects.incrementAndGet();
			int[] calls = this.live.remove(connection.id());
			if (calls == null || calls[1] > calls[0] + 1) {
				this.anomalies.incrementAndGet();
			}
		}

		@Override
		public void onTransportDrop(PulseConnection connection, DisconnectReason cause) {
			int[] calls = this.live.get(connection.id());
			if (calls == null) {
				this.anomalies.incrementAndGet();
				return;
			}
			synchronized (calls) {
				calls[1]++;
			}
		}

		@Override
		public void onTransportRestore(PulseConnection connection) {
			int[] calls = this.live.get(connection.id());
			if (calls == null) {
				this.anomalies.incrementAndGet();
				return;
			}
			synchronized (calls) {
				calls[0]++;
				if (calls[0] > calls[1]) {
					this.anomalies.incrementAndGet();
				}
			}
		}

	}

	@Test
	void churningRealConnectionsLeaveNothingBehind() throws Exception {
		URI uri = URI.create("ws://localhost:" + this.port + "/pulse?room=soak-");
		churn(uri, Duration.ofSeconds(3));
		awaitQuiet();
		Awaitility.await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
		long heapBefore = heapAfterGc();
		int lifecycles = churn(uri, LENGTH);
		awaitQuiet();
		// expired tokens are remembered for one more window (2 s) to answer "expired": let them go first
		Awaitility.await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
		long heapAfter = heapAfterGc();
		System.out.printf("socket soak: %d s, %d connections, heap %d KiB -> %d KiB%n", LENGTH.toSeconds(), lifecycles,
				heapBefore / 1024, heapAfter / 1024);
		assertThat(lifecycles).isGreaterThanOrEqualTo(2000);
		assertThat(this.ledger.anomalies).hasValue(0);
		assertThat(this.ledger.live).isEmpty();
		assertThat(this.ledger.disconnects.get()).isEqualTo(this.ledger.connects.get());
		assertThat(this.ledger.connects.get()).isGreaterThanOrEqualTo(lifecycles);
		assertThat(this.manager.roomCount()).isZero();
		assertThat(this.manager.connections()).isEmpty();
		assertThat(heapAfter).isLessThanOrEqualTo((long) (heapBefore * 1.10));
	}

	private void awaitQuiet() {
		Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			assertThat(this.manager.connectionCount()).isZero();
			assertThat(this.manager.suspendedCount()).isZero();
		});
	}

	private int churn(URI base, Duration length) throws InterruptedException {
		AtomicInteger lifecycles = new AtomicInteger();
		long deadline = System.nanoTime() + length.toNanos();
		List<Thread> workers = new ArrayList<>();
		List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
		for (int w = 0; w < 8; w++) {
			Thread worker = new Thread(() -> {
				ThreadLocalRandom random = ThreadLocalRandom.current();
				while (System.nanoTime() < deadline) {
					try {
						URI uri = URI.create(base.toString() + random.nextInt(10));
						ResumingClient client = new ResumingClient(uri, Map.of(), 8);
						client.transport().sendMessage("chat", "\"hello\"");
						int action = random.nextInt(10);
						if (action < 3) {
							client.resume(uri);
							client.transport().sendMessage("chat", "\"back\"");
							client.pump();
							client.close();
						}
						else if (action < 6) {
							// abandoned without a close frame: the session must expire
							client.transport().abort();
						}
						else {
							client.pump();
							client.close();
						}
						lifecycles.incrementAndGet();
					}
					catch (Throwable ex) {
						failures.add(ex);
						return;
					}
				}
			});
			workers.add(worker);
			worker.start();
		}
		for (Thread worker : workers) {
			worker.join();
		}
		assertThat(failures).isEmpty();
		return lifecycles.get();
	}

	private static long heapAfterGc() {
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

}
