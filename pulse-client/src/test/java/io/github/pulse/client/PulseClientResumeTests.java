package io.github.pulse.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Resume through the fault-injecting proxy: cut transports and dead (blackholed) ones, with broadcasts running
 * the whole time.
 */
class PulseClientResumeTests {

	static PulseTestServer server;

	final ScheduledExecutorService producer = Executors.newSingleThreadScheduledExecutor();

	final List<Throwable> producerFailures = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void startServer() {
		// the server's own heartbeat is slow so that only the client can notice a blackholed transport. The send
		// buffer holds far more than the producer's backlog can reach: with the default 256 frames, a writer that a
		// loaded machine holds up for 128 ms (256 ticks at 2,000/s) lets drop-oldest evict queued ticks, a gap in
		// seq that is right for a slow consumer (SlowConsumerIntegrationTests) and not what these tests are about
		server = PulseTestServer.start("pulse.heartbeat.interval=60s", "pulse.heartbeat.timeout=50s",
				"pulse.buffer.send-frames=1000000", "pulse.buffer.send-bytes=256MB",
				"pulse.resume.buffer-frames=1000000", "pulse.resume.buffer-bytes=256MB");
	}

	@AfterAll
	static void stopServer() throws Exception {
		server.close();
	}

	@AfterEach
	void stopProducer() {
		this.producer.shutdownNow();
		server.proxy().blackhole(false);
	}

	@Test
	void cutTransportsResumeAndEveryBroadcastArrivesExactlyOnceInOrder() {
		Recorder recorder = new Recorder();
		List<Integer> ticks = Collections.synchronizedList(new ArrayList<>());
		try (PulseClient client = PulseClient.builder(server.url("?room=ticks"))
			.backoff(Duration.ofMillis(5), Duration.ofMillis(50), 2, 0.5)
			.ack(16, Duration.ofMillis(50))
			.listener(recorder)
			.on("tick", Integer.class, ticks::add)
			.connect()) {
			server.awaitRegistered(client, "ticks");
			AtomicInteger sent = broadcastContinuously("ticks");
			int cuts = 25;
			for (int cut = 1; cut <= cuts; cut++) {
				int seen = ticks.size();
				await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ticks.size() - seen)
					.as(() -> "frames since the last cut; client " + client.state() + ", events " + recorder.events
							+ ", producer failures " + this.producerFailures)
					.isGreaterThanOrEqualTo(20));
				await().untilAsserted(() -> assertThat(client.state()).isEqualTo(ClientState.OPEN));
				assertThat(server.proxy().cutAll()).isEqualTo(1);
				int restored = cut;
				await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(recorder.restores)
					.as(() -> "restores; client " + client.state() + ", events " + recorder.events)
					.hasSize(restored));
			}
			this.producer.shutdown();
			await().until(this.producer::isTerminated);
			int total = sent.get();
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ticks.size())
				.as(() -> "frames received; missing " + missing(ticks, total) + ", restores " + recorder.restores)
				.isGreaterThanOrEqualTo(total));
			assertThat(this.producerFailures).isEmpty();
			assertThat(ticks).containsExactlyElementsOf(IntStream.range(0, total).boxed().toList());
			assertThat(recorder.drops).hasSize(cuts);
			assertThat(recorder.restores).hasSize(cuts).allSatisfy((restore) -> {
				assertThat(restore.resumed()).isTrue();
				assertThat(restore.missed()).isZero();
				assertThat(restore.connectionId()).isEqualTo(client.connectionId());
			});
			assertThat(recorder.restores).anySatisfy((restore) -> assertThat(restore.replayed()).isPositive());
			assertThat(recorder.opens).hasSize(1);
			assertThat(recorder.messages).extracting(ClientMessage::seq)
				.containsExactlyElementsOf(IntStream.rangeClosed(1, total).mapToObj(Long::valueOf).toList());
		}
	}

	@Test
	void unansweredPingsMeanADeadTransportAndTheClientResumesOnceTrafficFlowsAgain() {
		Recorder recorder = new Recorder();
		List<Integer> ticks = Collections.synchronizedList(new ArrayList<>());
		try (PulseClient client = PulseClient.builder(server.url("?room=heartbeat"))
			// the connect timeout only bounds how long a dial into the blackhole hangs, which the 20 s wait for the
			// restore allows for; at 500 ms a loaded machine failed the very first dial (fatal by design)
			.heartbeat(Duration.ofMillis(200), Duration.ofMillis(400))
			.connectTimeout(Duration.ofSeconds(5))
			.backoff(Duration.ofMillis(20), Duration.ofMillis(200), 2, 0.5)
			.listener(recorder)
			.on("tick", Integer.class, ticks::add)
			.connect()) {
			server.awaitRegistered(client, "heartbeat");
			for (int i = 0; i < 10; i++) {
				server.pulse().broadcast("heartbeat", "tick", i);
			}
			await().until(() -> ticks.size() == 10);
			server.proxy().blackhole(true);
			for (int i = 10; i < 20; i++) {
				server.pulse().broadcast("heartbeat", "tick", i);
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.drops.isEmpty());
			assertThat(recorder.drops.get(0).code()).isEqualTo(1006);
			assertThat(recorder.drops.get(0).reason()).startsWith("heartbeat timeout");
			assertThat(client.state()).isEqualTo(ClientState.RECONNECTING);
			server.proxy().blackhole(false);
			await().atMost(Duration.ofSeconds(20)).until(() -> recorder.restores.size() == 1);
			assertThat(recorder.restores.get(0).resumed()).isTrue();
			assertThat(recorder.restores.get(0).missed()).isZero();
			await().until(() -> ticks.size() == 20);
			assertThat(ticks).containsExactlyElementsOf(IntStream.range(0, 20).boxed().toList());
			assertThat(client.state()).isEqualTo(ClientState.OPEN);
		}
	}

	private static List<Integer> missing(List<Integer> received, int total) {
		List<Integer> missing = new ArrayList<>(IntStream.range(0, total).boxed().toList());
		synchronized (received) {
			missing.removeAll(received);
		}
		return (missing.size() > 50) ? missing.subList(0, 50) : missing;
	}

	private AtomicInteger broadcastContinuously(String room) {
		AtomicInteger sent = new AtomicInteger();
		this.producer.scheduleAtFixedRate(() -> {
			try {
				server.pulse().broadcast(room, "tick", sent.get());
				sent.incrementAndGet();
			}
			catch (RuntimeException ex) {
				// an exception would silently cancel the periodic task; make it visible instead
				this.producerFailures.add(ex);
			}
		}, 0, 500, TimeUnit.MICROSECONDS);
		return sent;
	}

}
