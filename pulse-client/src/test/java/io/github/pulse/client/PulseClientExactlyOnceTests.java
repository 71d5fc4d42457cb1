package io.github.pulse.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Client-to-server exactly once through the fault-injecting proxy: thousands of messages sent while the transport
 * is cut again and again reach the server's listener once each and in order; the buffer of unconfirmed messages is
 * bounded and its overflow reported.
 */
class PulseClientExactlyOnceTests {

	static PulseTestServer server;

	@BeforeAll
	static void startServer() {
		server = PulseTestServer.start("pulse.heartbeat.interval=60s", "pulse.heartbeat.timeout=50s",
				"pulse.buffer.send-frames=100000", "pulse.resume.buffer-frames=100000");
	}

	@AfterAll
	static void stopServer() throws Exception {
		server.close();
	}

	@AfterEach
	void healTheNetwork() {
		server.proxy().blackhole(false);
	}

	@Test
	void thousandsOfMessagesThroughRepeatedCutsAreEachHandledOnceAndInOrder() throws Exception {
		int total = 5000;
		int cuts = 15;
		Recorder recorder = new Recorder();
		try (PulseClient client = PulseClient.builder(server.url(""))
			.backoff(Duration.ofMillis(5), Duration.ofMillis(50), 2, 0.5)
			.sendQueueCapacity(total)
			.listener(recorder)
			.connect()) {
			String id = client.opened().get(10, TimeUnit.SECONDS).connectionId();
			Thread producer = new Thread(() -> {
				for (int n = 1; n <= total; n++) {
					client.send("count", n);
					if (n % 50 == 0) {
						// paced so that the cuts below land while messages are in flight
						java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
					}
				}
			}, "producer");
			producer.start();
			for (int cut = 1; cut <= cuts; cut++) {
				int seen = counted(id).size();
				await().atMost(Duration.ofSeconds(20))
					.until(() -> counted(id).size() > seen || counted(id).size() == total);
				await().atMost(Duration.ofSeconds(20)).until(() -> client.state() == ClientState.OPEN);
				server.proxy().cutAll();
			}
			producer.join(TimeUnit.SECONDS.toMillis(30));
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(counted(id)).hasSize(total));
			assertThat(counted(id)).as("every message once, in order").isEqualTo(IntStream.rangeClosed(1, total)
				.boxed()
				.toList());
			assertThat(recorder.restores).as("the session survived every cut").isNotEmpty()
				.allSatisfy((restore) -> assertThat(restore.resumed()).isTrue());
			assertThat(client.connectionId()).isEqualTo(id);
			assertThat(recorder.errors).isEmpty();
			await().atMost(Duration.ofSeconds(10)).until(() -> client.queuedSends() == 0);
		}
	}

	@Test
	void unconfirmedMessagesAreBoundedAndTheOverflowIsReported() throws Exception {
		Recorder recorder = new Recorder();
		try (PulseClient client = PulseClient.builder(server.url(""))
			.sendQueueCapacity(8)
			.listener(recorder)
			.connect()) {
			String id = client.opened().get(10, TimeUnit.SECONDS).connectionId();
			server.proxy().blackhole(true);
			List<CompletableFuture<Void>> sends = IntStream.rangeClosed(1, 8).mapToObj((n) -> client.send("count", n))
				.toList();
			CompletableFuture<Void> overflow = client.send("count", 9);
			assertThatThrownBy(() -> overflow.get(10, TimeUnit.SECONDS)).cause()
				.isInstanceOf(SendQueueFullException.class);
			assertThat(recorder.events).anyMatch((event) -> event.startsWith("overflow"));
			server.proxy().blackhole(false);
			server.proxy().cutAll();
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(counted(id)).hasSize(8));
			assertThat(counted(id)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
			CompletableFuture.allOf(sends.toArray(new CompletableFuture[0])).get(10, TimeUnit.SECONDS);
		}
	}

	@Test
	void aRequestBeyondTheBoundFailsAtOnceWithTheOverflowReportedAndNothingIsLost() throws Exception {
		Recorder recorder = new Recorder();
		try (PulseClient client = PulseClient.builder(server.url(""))
			.sendQueueCapacity(3)
			.listener(recorder)
			.connect()) {
			String id = client.opened().get(10, TimeUnit.SECONDS).connectionId();
			server.proxy().blackhole(true);
			List<CompletableFuture<Void>> sends = IntStream.rangeClosed(1, 3).mapToObj((n) -> client.send("count", n))
				.toList();
			CompletableFuture<String> refused = client.request("request.echo", "beyond", String.class,
					Duration.ofSeconds(30));
			assertThatThrownBy(() -> refused.get(5, TimeUnit.SECONDS)).as("fails at once, not at its timeout")
				.cause()
				.isInstanceOf(SendQueueFullException.class)
				.hasMessageContaining("send of 'request.echo' refused");
			assertThat(client.queuedSends() + client.unconfirmedSends()).as("held, within the bound").isEqualTo(3);
			assertThat(recorder.overflows).containsExactly("request.echo");
			server.proxy().blackhole(false);
			server.proxy().cutAll();
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(counted(id)).hasSize(3));
			assertThat(counted(id)).containsExactly(1, 2, 3);
			CompletableFuture.allOf(sends.toArray(new CompletableFuture[0])).get(10, TimeUnit.SECONDS);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> client.queuedSends() == 0 && client.unconfirmedSends() == 0);
			assertThat(client.request("request.echo", "now", String.class, Duration.ofSeconds(10))
				.get(10, TimeUnit.SECONDS)).isEqualTo("now");
		}
	}

	private static List<Integer> counted(String id) {
		return server.recorder().counted.getOrDefault(id, List.of());
	}

}
