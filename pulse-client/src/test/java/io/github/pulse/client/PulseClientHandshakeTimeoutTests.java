package io.github.pulse.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * A server that accepts the WebSocket upgrade and then never sends its first frame ({@code welcome} or
 * {@code resumed}), on a virtual clock. Client pings are off so that only the handshake timeout can end such a
 * transport (a server that answers pings, as every WebSocket stack does, would keep it alive for ever).
 */
class PulseClientHandshakeTimeoutTests {

	final ManualScheduler scheduler = new ManualScheduler();

	final Recorder recorder = new Recorder();

	SilentUpgradeServer silent;

	@AfterEach
	void stopSilentServer() throws Exception {
		if (this.silent != null) {
			this.silent.close();
		}
	}

	@Test
	void firstDialToAServerThatNeverSpeaksFailsAfterTheDefaultHandshakeTimeout() throws Exception {
		this.silent = new SilentUpgradeServer();
		PulseClient client = PulseClient.builder(this.silent.url("?room=lobby"))
			.scheduler(this.scheduler)
			.heartbeat(Duration.ZERO, Duration.ofSeconds(1))
			.listener(this.recorder)
			.connect();
		await().until(() -> this.silent.silentUpgrades().size() == 1);
		await().untilAsserted(() -> assertThat(this.scheduler.requestedDelays())
			.as("timers armed by a client in state %s once its WebSocket is open", client.state())
			.containsExactly(Duration.ofSeconds(10)));
		this.scheduler.advance(Duration.ofSeconds(10).minusNanos(1));
		assertThat(client.state()).isEqualTo(ClientState.CONNECTING);
		this.scheduler.advance(Duration.ofNanos(1));
		assertThat(client.opened()).failsWithin(Duration.ofSeconds(10))
			.withThrowableOfType(Exception.class)
			.havingCause()
			.isInstanceOf(PulseClientException.class)
			.withMessageContaining("failed: handshake timeout: no welcome or resumed frame within PT10S");
		assertThat(client.state()).isEqualTo(ClientState.FAILED);
		await().until(() -> this.silent.silentConnectionsClosedByClient() == 1);
		await().untilAsserted(() -> assertThat(this.recorder.events).containsExactly("failed", "close"));
		assertThat(this.recorder.closes.get(0).code()).isEqualTo(1006);
	}

	@Test
	void retriedSilentAttemptsBackOffCountAsFailuresAndEndInFailedAtTheLimit() throws Exception {
		this.silent = new SilentUpgradeServer();
		PulseClient client = PulseClient.builder(this.silent.url(""))
			.scheduler(this.scheduler)
			.random(() -> 0.0)
			.backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.5)
			.heartbeat(Duration.ZERO, Duration.ofSeconds(1))
			.handshakeTimeout(Duration.ofSeconds(3))
			.retryInitialConnect(true)
			.maxConsecutiveFailures(3)
			.listener(this.recorder)
			.connect();
		for (int attempt = 1; attempt <= 3; attempt++) {
			int upgrades = attempt;
			await().until(() -> this.silent.silentUpgrades().size() == upgrades);
			awaitPendingTimer();
			assertThat(client.state()).isEqualTo(ClientState.CONNECTING);
			this.scheduler.advance(Duration.ofSeconds(3));
			if (attempt < 3) {
				await().until(() -> this.recorder.reconnectAttempts.size() == upgrades);
				assertThat(this.recorder.events).as("callbacks").doesNotContain("open", "drop");
				this.scheduler.advance(this.recorder.reconnectDelays.get(attempt - 1));
			}
		}
		await().untilAsserted(() -> assertThat(client.state()).isEqualTo(ClientState.FAILED));
		// the first dial was attempt 1, so its retries are attempts 2 and 3
		assertThat(this.recorder.reconnectAttempts).containsExactly(2, 3);
		assertThat(this.recorder.reconnectDelays).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400));
		assertThat(this.recorder.failures).singleElement()
			.satisfies((failure) -> assertThat(failure)
				.hasMessage("Gave up after 3 consecutive failed attempts; last: handshake timeout: no welcome or "
						+ "resumed frame within PT3S of the WebSocket opening"));
		await().until(() -> this.silent.silentConnectionsClosedByClient() == 3);
		assertThat(this.scheduler.pendingTasks()).isZero();
	}

	@Test
	void aResumeThatIsNeverAnsweredIsAbandonedAndTheNextAttemptStillResumesTheSession() throws Exception {
		List<Integer> ticks = Collections.synchronizedList(new ArrayList<>());
		try (PulseTestServer server = PulseTestServer.start()) {
			this.silent = new SilentUpgradeServer();
			this.silent.forwardTo(server.proxy().port());
			PulseClient client = PulseClient.builder(this.silent.url("?room=ticks"))
				.scheduler(this.scheduler)
				.random(() -> 0.0)
				.backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.5)
				.heartbeat(Duration.ZERO, Duration.ofSeconds(1))
				.handshakeTimeout(Duration.ofSeconds(3))
				.listener(this.recorder)
				.on("tick", Integer.class, ticks::add)
				.connect();
			server.awaitRegistered(client, "ticks");
			String id = client.connectionId();
			server.pulse().broadcast("ticks", "tick", 1);
			await().until(() -> ticks.size() == 1);

			this.silent.silent();
			assertThat(server.proxy().cutAll()).isEqualTo(1);
			await().until(() -> this.recorder.reconnectAttempts.size() == 1);
			server.pulse().broadcast("ticks", "tick", 2);
			this.scheduler.advance(this.recorder.reconnectDelays.get(0));
			await().until(() -> this.silent.silentUpgrades().size() == 1);
			assertThat(this.silent.silentUpgrades().get(0)).contains("resume=").contains("lastSeq=1");
			awaitPendingTimer();
			this.scheduler.advance(Duration.ofSeconds(3));
			await().until(() -> this.recorder.reconnectAttempts.size() == 2);
			assertThat(client.state()).isEqualTo(ClientState.RECONNECTING);
			await().until(() -> this.silent.silentConnectionsClosedByClient() == 1);

			this.silent.forwardTo(server.proxy().port());
			this.scheduler.advance(this.recorder.reconnectDelays.get(1));
			await().until(() -> this.recorder.restores.size() == 1);
			assertThat(this.recorder.restores.get(0)).satisfies((restore) -> {
				assertThat(restore.resumed()).as("resumed").isTrue();
				assertThat(restore.connectionId()).isEqualTo(id);
				assertThat(restore.missed()).isZero();
			});
			await().until(() -> ticks.size() == 2);
			assertThat(ticks).containsExactly(1, 2);
			assertThat(this.recorder.opens).hasSize(1);
			assertThat(this.recorder.reconnectDelays).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
			assertThat(client.state()).isEqualTo(ClientState.OPEN);
			client.close();
		}
	}

	@Test
	void handshakeTimeoutMustBePositive() {
		PulseClientBuilder builder = PulseClient.builder("ws://127.0.0.1:1/pulse");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.handshakeTimeout(Duration.ZERO))
			.withMessage("handshakeTimeout (PT0S) must be positive");
		assertThatIllegalArgumentException().isThrownBy(() -> builder.handshakeTimeout(Duration.ofSeconds(-1)))
			.withMessage("handshakeTimeout (PT-1S) must be positive");
	}

	/**
	 * The handshake timer is the only timer once the WebSocket is open; waiting for it means the client has seen
	 * the upgrade succeed.
	 */
	private void awaitPendingTimer() {
		await().until(() -> this.scheduler.pendingTasks() == 1);
	}

}
