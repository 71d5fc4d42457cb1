package io.github.pulse.client;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The close-code policy against a real server: which closes end the client and which lead to a reconnect.
 */
class PulseClientCloseCodeTests {

	static PulseTestServer server;

	final Recorder recorder = new Recorder();

	@BeforeAll
	static void startServer() {
		server = PulseTestServer.start();
	}

	@AfterAll
	static void stopServer() throws Exception {
		server.close();
	}

	private PulseClient connect() {
		PulseClient client = PulseClient.builder(server.url("?room=codes"))
			.backoff(Duration.ofMillis(10), Duration.ofMillis(50), 2, 0.5)
			.listener(this.recorder)
			.connect();
		server.awaitRegistered(client, "codes");
		return client;
	}

	@Test
	void kickedClientClosesWithoutReconnecting() {
		PulseClient client = connect();
		String id = client.connectionId();
		assertThat(server.pulse().kick(id)).isTrue();
		await().untilAsserted(() -> assertThat(client.state()).isEqualTo(ClientState.CLOSED));
		// CLOSED is final: no reconnect was scheduled and none can be
		await().untilAsserted(() -> assertThat(this.recorder.closes).containsExactly(new CloseReason(4000, "kicked")));
		assertThat(client.closed().join().code()).isEqualTo(4000);
		assertThat(this.recorder.reconnectAttempts).isEmpty();
		assertThat(this.recorder.drops).isEmpty();
		assertThat(this.recorder.states).containsExactly(ClientState.OPEN, ClientState.CLOSED);
		assertThat(server.pulse().connection(id)).isNull();
		assertThat(server.pulse().connections("codes")).isEmpty();
		assertThat(client.send("echo", 1)).isCompletedExceptionally();
	}

	@Test
	void applicationCloseFromTheServerEndsTheClient() {
		PulseClient client = connect();
		client.send("close", 4100);
		await().untilAsserted(() -> assertThat(client.state()).isEqualTo(ClientState.CLOSED));
		await().untilAsserted(() -> assertThat(this.recorder.closes).containsExactly(new CloseReason(4100, "bye")));
		assertThat(this.recorder.reconnectAttempts).isEmpty();
	}

	@Test
	void normalClosureFromTheServerEndsTheClient() {
		PulseClient client = connect();
		client.send("close", 1000);
		await().untilAsserted(() -> assertThat(this.recorder.closes).containsExactly(new CloseReason(1000, "bye")));
		assertThat(client.state()).isEqualTo(ClientState.CLOSED);
		assertThat(this.recorder.reconnectAttempts).isEmpty();
	}

	@Test
	void slowConsumerCloseReconnectsAndReportsTheNewSession() {
		try (PulseClient client = connect()) {
			String first = client.connectionId();
			client.send("close", 4002);
			await().untilAsserted(() -> assertThat(this.recorder.restores).hasSize(1));
			assertThat(this.recorder.drops).singleElement().satisfies((drop) -> {
				assertThat(drop.code()).isEqualTo(4002);
				assertThat(drop.reason()).isEqualTo("bye");
			});
			Restore restore = this.recorder.restores.get(0);
			assertThat(restore.resumed()).isFalse();
			assertThat(restore.resumeFailed()).isEqualTo("unknown");
			assertThat(restore.connectionId()).isNotEqualTo(first).isEqualTo(client.connectionId());
			assertThat(this.recorder.opens).hasSize(2);
			assertThat(this.recorder.opens.get(1).reconnect()).isTrue();
			assertThat(this.recorder.events).containsSubsequence("drop", "reconnect", "open", "restore");
			assertThat(client.state()).isEqualTo(ClientState.OPEN);
		}
	}

	@Test
	void closeCodePolicyCanBeReplaced() {
		PulseClient client = PulseClient.builder(server.url(""))
			.closeCodePolicy(CloseCodePolicy.NEVER)
			.listener(this.recorder)
			.connect();
		client.opened().join();
		client.send("close", 4002);
		await().untilAsserted(() -> assertThat(this.recorder.closes).containsExactly(new CloseReason(4002, "bye")));
		assertThat(client.state()).isEqualTo(ClientState.CLOSED);
	}

}
