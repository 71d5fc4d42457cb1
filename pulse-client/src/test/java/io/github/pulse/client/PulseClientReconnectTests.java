package io.github.pulse.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.pulse.test.FaultInjectingProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reconnect timing and giving up, on a virtual clock: the scheduler only moves when the test advances it, and the
 * jitter comes from a fixed sequence, so the delays are exact and nothing sleeps.
 */
class PulseClientReconnectTests {

	static PulseTestServer server;

	final ManualScheduler scheduler = new ManualScheduler();

	final Recorder recorder = new Recorder();

	@BeforeAll
	static void startServer() {
		server = PulseTestServer.start();
	}

	@AfterAll
	static void stopServer() throws Exception {
		server.close();
	}

	@Test
	void reconnectDelaysFollowTheConfiguredCurveWithInjectedJitter() throws IOException {
		double[] randoms = { 0.0, 0.5, 0.25, 0.9, 0.1, 0.0, 0.5, 0.999 };
		AtomicInteger draws = new AtomicInteger();
		FaultInjectingProxy proxy = new FaultInjectingProxy(server.port());
		try (PulseClient client = PulseClient.builder("ws://127.0.0.1:" + proxy.port() + "/pulse")
			.scheduler(this.scheduler)
			.random(() -> randoms[draws.getAndIncrement() % randoms.length])
			.backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, 0.5)
			.heartbeat(Duration.ZERO, Duration.ofSeconds(1))
			.listener(this.recorder)
			.connect()) {
			client.opened().join();
			proxy.close();
			for (int attempt = 1; attempt <= randoms.length; attempt++) {
				awaitScheduled(attempt);
				assertThat(client.state()).isEqualTo(ClientState.RECONNECTING);
				this.scheduler.advance(this.recorder.reconnectDelays.get(attempt - 1));
			}
			awaitScheduled(randoms.length + 1);
			// base delays 100, 200, 400, 800, 1600, then capped at 2000; each reduced by jitter * random
			assertThat(this.recorder.reconnectDelays.subList(0, randoms.length)).containsExactly(ms(100), ms(150),
					ms(350), ms(440), ms(1520), ms(2000), ms(1500), ms(1001));
			assertThat(this.recorder.reconnectAttempts.subList(0, randoms.length)).containsExactly(1, 2, 3, 4, 5,
					6, 7, 8);
			// the first timer is the handshake timeout of the first transport, cancelled by its welcome
			assertThat(this.scheduler.requestedDelays().get(0)).isEqualTo(Duration.ofSeconds(10));
			assertThat(this.scheduler.requestedDelays().subList(1, 1 + randoms.length))
				.containsExactlyElementsOf(this.recorder.reconnectDelays.subList(0, randoms.length));
			assertThat(this.scheduler.elapsed()).isEqualTo(Duration.ofMillis(7061));
			assertThat(this.recorder.drops).hasSize(1);
		}
	}

	@Test
	void consecutiveFailureLimitEndsInFailedAndFailsWhatWasQueued() throws IOException {
		FaultInjectingProxy proxy = new FaultInjectingProxy(server.port());
		PulseClient client = PulseClient.builder("ws://127.0.0.1:" + proxy.port() + "/pulse")
			.scheduler(this.scheduler)
			.random(() -> 0.0)
			.backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.5)
			.heartbeat(Duration.ZERO, Duration.ofSeconds(1))
			.maxConsecutiveFailures(3)
			.listener(this.recorder)
			.connect();
		client.opened().join();
		proxy.close();
		awaitScheduled(1);
		CompletableFuture<Void> queued = client.send("echo", "never sent");
		for (int attempt = 1; attempt <= 3; attempt++) {
			awaitScheduled(attempt);
			this.scheduler.advance(this.recorder.reconnectDelays.get(attempt - 1));
		}
		await().untilAsserted(() -> assertThat(client.state()).isEqualTo(ClientState.FAILED));
		await().untilAsserted(() -> assertThat(this.recorder.closes).hasSize(1));
		assertThat(this.recorder.reconnectAttempts).containsExactly(1, 2, 3);
		assertThat(this.recorder.failures).singleElement()
			.satisfies((failure) -> assertThat(failure).hasMessageStartingWith("Gave up after 3 consecutive failed")
				.hasCauseInstanceOf(ConnectException.class));
		assertThat(this.recorder.closes.get(0).code()).isEqualTo(1006);
		assertThat(this.recorder.events).endsWith("failed", "close");
		assertThat(this.recorder.states).containsExactly(ClientState.OPEN, ClientState.RECONNECTING,
				ClientState.FAILED);
		assertThat(queued).isCompletedExceptionally();
		assertThat(client.send("echo", "late")).isCompletedExceptionally();
		assertThat(this.scheduler.pendingTasks()).isZero();
		this.scheduler.advance(Duration.ofMinutes(5));
		assertThat(this.recorder.reconnectAttempts).hasSize(3);
		assertThat(this.recorder.closes).hasSize(1);
	}

	@Test
	void failedFirstDialFailsFastByDefault() throws IOException {
		int port = freePort();
		PulseClient client = PulseClient.builder("ws://127.0.0.1:" + port + "/pulse")
			.scheduler(this.scheduler)
			.listener(this.recorder)
			.connect();
		assertThat(client.opened()).failsWithin(Duration.ofSeconds(10))
			.withThrowableOfType(Exception.class)
			.havingCause()
			.isInstanceOf(PulseClientException.class)
			.withMessageStartingWith("First dial of ws://127.0.0.1:" + port + "/pulse failed")
			.withCauseInstanceOf(ConnectException.class);
		assertThat(client.state()).isEqualTo(ClientState.FAILED);
		await().untilAsserted(() -> assertThat(this.recorder.events).containsExactly("failed", "close"));
		assertThat(this.recorder.reconnectAttempts).isEmpty();
	}

	@Test
	void failedFirstDialIsRetriedWhenConfiguredUntilTheServerIsUp() throws Exception {
		int port = freePort();
		PulseClient client = PulseClient.builder("ws://127.0.0.1:" + port + "/pulse")
			.scheduler(this.scheduler)
			.retryInitialConnect(true)
			.heartbeat(Duration.ZERO, Duration.ofSeconds(1))
			.listener(this.recorder)
			.connect();
		awaitScheduled(1);
		assertThat(client.state()).isEqualTo(ClientState.CONNECTING);
		assertThat(client.opened()).isNotDone();
		try (PulseTestServer late = PulseTestServer.startOn(port)) {
			this.scheduler.advance(this.recorder.reconnectDelays.get(0));
			assertThat(client.opened()).succeedsWithin(Duration.ofSeconds(10));
			assertThat(client.state()).isEqualTo(ClientState.OPEN);
			assertThat(this.recorder.opens).singleElement().satisfies((welcome) -> assertThat(welcome.reconnect())
				.isFalse());
			client.close();
		}
	}

	@Test
	void refusedHandshakeIsFinal() {
		PulseClient client = PulseClient.builder("ws://127.0.0.1:" + server.port() + "/pulse?room=no%20spaces")
			.scheduler(this.scheduler)
			.retryInitialConnect(true)
			.listener(this.recorder)
			.connect();
		assertThat(client.opened()).failsWithin(Duration.ofSeconds(10))
			.withThrowableOfType(Exception.class)
			.havingCause()
			.isInstanceOfSatisfying(HandshakeRejectedException.class,
					(rejected) -> assertThat(rejected.status()).isEqualTo(400));
		assertThat(client.state()).isEqualTo(ClientState.FAILED);
		assertThat(this.recorder.reconnectAttempts).isEmpty();
	}

	private void awaitScheduled(int attempts) {
		await().untilAsserted(() -> assertThat(this.recorder.reconnectAttempts).hasSizeGreaterThanOrEqualTo(attempts));
	}

	private static Duration ms(long millis) {
		return Duration.ofMillis(millis);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
