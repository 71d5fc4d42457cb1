package io.github.pulse.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import tools.jackson.core.type.TypeReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link PulseClient#request} against the real server: replies converted, application errors with their code,
 * timeouts, and a request whose reply is queued while the proxy has cut the transport, completed after the resume.
 */
class PulseClientRequestTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	static PulseTestServer server;

	@BeforeAll
	static void startServer() {
		server = PulseTestServer.start("pulse.heartbeat.interval=60s", "pulse.heartbeat.timeout=50s");
	}

	@AfterAll
	static void stopServer() throws Exception {
		server.close();
	}

	@AfterEach
	void openTheGate() {
		server.recorder().hold.countDown();
	}

	record Point(int x, int y) {
	}

	PulseClient connect(Recorder recorder) {
		PulseClient client = PulseClient.builder(server.url("?room=requests"))
			.backoff(Duration.ofMillis(5), Duration.ofMillis(50), 2, 0.5)
			.listener(recorder)
			.connect();
		client.opened().join();
		return client;
	}

	@Test
	void aReplyCompletesTheRequestConvertedToTheRequestedType() throws Exception {
		try (PulseClient client = connect(new Recorder())) {
			Point point = client.request("request.echo", new Point(3, 4), Point.class, TIMEOUT)
				.get(10, TimeUnit.SECONDS);
			assertThat(point).isEqualTo(new Point(3, 4));
			List<Integer> numbers = client.<List<Integer>>request("request.echo", List.of(1, 2, 3),
					new TypeReference<List<Integer>>() { }.getType(), TIMEOUT)
				.get(10, TimeUnit.SECONDS);
			assertThat(numbers).containsExactly(1, 2, 3);
			assertThat(client.request("request.echo", null, String.class, TIMEOUT).get(10, TimeUnit.SECONDS)).isNull();
		}
	}

	@Test
	void anApplicationErrorFailsTheRequestWithItsCode() {
		try (PulseClient client = connect(new Recorder())) {
			CompletableFuture<String> refused = client.request("request.refuse", "it", String.class, TIMEOUT);
			assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).cause()
				.isInstanceOfSatisfying(ReplyErrorException.class, (error) -> {
					assertThat(error.code()).isEqualTo("refused");
					assertThat(error.getMessage()).contains("refused it");
				});
			assertThat(client.state()).isEqualTo(ClientState.OPEN);
		}
	}

	@Test
	void aRequestWithoutAReplyInTimeFailsWithATimeout() {
		server.recorder().hold = new CountDownLatch(1);
		try (PulseClient client = connect(new Recorder())) {
			CompletableFuture<String> request = client.request("request.hold", "late", String.class,
					Duration.ofMillis(200));
			assertThatThrownBy(() -> request.get(10, TimeUnit.SECONDS)).cause()
				.isInstanceOf(TimeoutException.class)
				.hasMessageContaining("request.hold");
		}
	}

	@Test
	void aRequestInFlightAcrossAResumeStillCompletes() throws Exception {
		CountDownLatch gate = new CountDownLatch(1);
		server.recorder().hold = gate;
		server.recorder().holding.drainPermits();
		Recorder recorder = new Recorder();
		try (PulseClient client = connect(recorder)) {
			CompletableFuture<Map<String, Object>> request = client.request("request.hold", Map.of("n", 7),
					new TypeReference<Map<String, Object>>() { }.getType(), Duration.ofSeconds(20));
			assertThat(server.recorder().holding.tryAcquire(10, TimeUnit.SECONDS)).as("handler started").isTrue();
			assertThat(server.proxy().cutAll()).isEqualTo(1);
			await().atMost(TIMEOUT).untilAsserted(() -> assertThat(recorder.drops).isNotEmpty());
			gate.countDown();
			assertThat(request.get(20, TimeUnit.SECONDS)).isEqualTo(Map.of("n", 7));
			assertThat(recorder.restores).isNotEmpty().allSatisfy((restore) -> assertThat(restore.resumed()).isTrue());
		}
	}

	@Test
	void closingFailsTheRequestsThatWait() {
		server.recorder().hold = new CountDownLatch(1);
		PulseClient client = connect(new Recorder());
		CompletableFuture<String> request = client.request("request.hold", "x", String.class, TIMEOUT);
		client.close(Duration.ofMillis(200));
		assertThatThrownBy(() -> request.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(ClientClosedException.class);
	}

}
