package io.github.pulse.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A server restart loses every session: the client reconnects, its resume is refused, and it reports a new
 * session.
 */
class PulseClientRestartTests {

	@Test
	void serverRestartYieldsANewSessionReportedAsSuch() throws Exception {
		Recorder recorder = new Recorder();
		List<String> echoes = new CopyOnWriteArrayList<>();
		PulseTestServer first = PulseTestServer.start();
		PulseTestServer second = null;
		try (PulseClient client = PulseClient.builder(first.url("?room=lobby"))
			.backoff(Duration.ofMillis(50), Duration.ofMillis(200), 2, 0.5)
			.connectTimeout(Duration.ofSeconds(1))
			.listener(recorder)
			.on("echo", String.class, echoes::add)
			.connect()) {
			String before = client.opened().join().connectionId();
			first.stopServer();
			await().untilAsserted(() -> assertThat(recorder.drops).hasSize(1));
			// 1001 "server shutting down"; 1006 when the stopping server's FIN reaches the proxy first, which resets
			// the client's side and can discard the close frame still unread there
			assertThat(recorder.drops.get(0).code()).isIn(1001, 1006);
			assertThat(client.state()).isEqualTo(ClientState.RECONNECTING);
			second = PulseTestServer.startOn(first.port());
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(recorder.restores).hasSize(1));
			Restore restore = recorder.restores.get(0);
			assertThat(restore.resumed()).isFalse();
			assertThat(restore.resumeFailed()).isEqualTo("unknown");
			assertThat(restore.connectionId()).isNotEqualTo(before);
			assertThat(recorder.opens).hasSize(2);
			Welcome renewed = recorder.opens.get(1);
			assertThat(renewed.reconnect()).isTrue();
			assertThat(renewed.rooms()).containsExactly("lobby");
			assertThat(client.state()).isEqualTo(ClientState.OPEN);
			assertThat(client.connectionId()).isEqualTo(renewed.connectionId());
			assertThat(client.lastSeq()).isZero();
			client.send("echo", "still here");
			await().untilAsserted(() -> assertThat(echoes).containsExactly("still here"));
			assertThat(client.lastSeq()).isEqualTo(1);
		}
		finally {
			first.close();
			if (second != null) {
				second.close();
			}
		}
	}

}
