package io.github.pulse.resume;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.FaultInjectingProxy;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.ResumingClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chaos through the fault-injecting proxy: added latency and random cuts of random connections while a room is
 * broadcast to continuously. Every client notices its own cuts and resumes; no frame may be lost or duplicated.
 */
@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@Tag("heavy")
class ChaosIntegrationTests extends PulseIntegrationTest {

	private static final Duration CHAOS = Duration.ofSeconds(Long.getLong("pulse.chaos.seconds", 15));

	@Test
	void randomCutsUnderLatencyLoseAndDuplicateNothing() throws Exception {
		try (FaultInjectingProxy proxy = new FaultInjectingProxy(this.port)) {
			proxy.delay(Duration.ofMillis(2));
			URI viaProxy = URI.create("ws://localhost:" + proxy.port() + "/pulse?room=chaos");
			List<ResumingClient> clients = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				clients.add(new ResumingClient(viaProxy, Map.of(), 16));
			}
			AtomicBoolean running = new AtomicBoolean(true);
			AtomicInteger sent = new AtomicInteger();
			Thread broadcaster = new Thread(() -> {
				while (running.get()) {
					this.manager.broadcast("chaos", "tick", sent.incrementAndGet());
					LockSupport.parkNanos(2_000_000);
				}
			});
			Thread monkey = new Thread(() -> {
				ThreadLocalRandom random = ThreadLocalRandom.current();
				while (running.get()) {
					// established connections only: a cut between the server accepting a resume and the client reading
					// "resumed" costs the client its session (documented in docs/protocol.md), not a silent gap
					List<FaultInjectingProxy.Link> links = proxy.links()
						.stream()
						.filter((link) -> link.age().compareTo(Duration.ofMillis(200)) > 0)
						.toList();
					if (!links.isEmpty()) {
						links.get(random.nextInt(links.size())).cut();
					}
					LockSupport.parkNanos(Duration.ofMillis(20 + random.nextInt(80)).toNanos());
				}
			});
			broadcaster.start();
			monkey.start();
			long deadline = System.nanoTime() + CHAOS.toNanos();
			int resumes = 0;
			while (System.nanoTime() < deadline) {
				for (ResumingClient client : clients) {
					client.pump();
					if (client.transport().isClosed()) {
						client.resume(viaProxy);
						resumes++;
					}
				}
				LockSupport.parkNanos(1_000_000);
			}
			running.set(false);
			broadcaster.join();
			monkey.join();
			int total = sent.get();
			try {
				for (ResumingClient client : clients) {
					Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
						if (client.transport().isClosed()) {
							client.resume(viaProxy);
						}
						client.pump();
						assertThat(client.lastSeq()).isEqualTo(total);
					});
					List<JsonNode> messages = client.messages();
					assertThat(messages).hasSize(total);
					for (int i = 0; i < total; i++) {
						assertThat(messages.get(i).path("payload").asInt()).isEqualTo(i + 1);
					}
					assertThat(client.missed()).isZero();
				}
			}
			finally {
				clients.forEach(ResumingClient::close);
			}
			assertThat(resumes).as("the monkey cut connections").isGreaterThan(20);
		}
		awaitNoSessions();
	}

}
