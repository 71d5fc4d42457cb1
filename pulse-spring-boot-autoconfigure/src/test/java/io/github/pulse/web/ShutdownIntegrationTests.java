package io.github.pulse.web;

import java.io.EOFException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.DisconnectReason;
import io.github.pulse.core.SessionManager;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.RawWebSocket;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shutdown drains: queued frames first, then 1001 "server shutting down"; handshakes meanwhile get 503.
 */
class ShutdownIntegrationTests {

	private static ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(ChatTestApplication.class).properties("server.port=0")
			.properties(properties)
			.run();
	}

	private static URI uri(ConfigurableApplicationContext context) {
		return URI.create("ws://localhost:" + port(context) + "/pulse?room=lobby");
	}

	@Test
	void queuedFramesAreFlushedBeforeTheShutdownClose() {
		ConfigurableApplicationContext context = start();
		SessionManager manager = context.getBean(SessionManager.class);
		ChatTestApplication.RecordingListener recorder = context.getBean(ChatTestApplication.RecordingListener.class);
		TestClient client = TestClient.connect(uri(context));
		String id = client.nextOfType("welcome").path("connectionId").asText();
		for (int i = 1; i <= 200; i++) {
			manager.broadcast("lobby", "last-words", i);
		}
		suspendedBeforeShutdown(manager);
		context.close();
		for (int i = 1; i <= 200; i++) {
			JsonNode frame = client.nextOfType("message");
			assertThat(frame.path("payload").asInt()).isEqualTo(i);
		}
		assertThat(client.awaitClose()).isEqualTo(new TestClient.Close(1001, "server shutting down"));
		assertThat(recorder.disconnectsOf(id)).extracting(ChatTestApplication.Disconnect::reason)
			.containsExactly(DisconnectReason.SERVER_SHUTDOWN);
		assertThat(recorder.disconnectsOf("suspended")).isEmpty();
	}

	private static void suspendedBeforeShutdown(SessionManager manager) {
		assertThat(manager.suspendedCount()).isZero();
	}

	@Test
	void handshakesDuringTheDrainGet503AndAStalledClientIsClosedAfterTheShutdownTimeout() throws Exception {
		ConfigurableApplicationContext context = start("pulse.shutdown-timeout=3s",
				"pulse.buffer.send-bytes=8MB", "pulse.resume.buffer-bytes=8MB");
		SessionManager manager = context.getBean(SessionManager.class);
		URI uri = uri(context);
		// a raw socket that reads nothing after its welcome: the server's writes back up in the kernel for certain,
		// and reading what is left afterwards is a plain byte copy, not one frame per demand signal of a client
		// library that a loaded machine schedules late
		try (RawWebSocket stalled = RawWebSocket.connect(port(context), "/pulse?room=lobby")) {
			stalled.nextText();
			String big = "y".repeat(32 * 1024);
			for (int i = 0; i < 200; i++) {
				manager.broadcast("lobby", "bulk", big);
			}
			Awaitility.await()
				.untilAsserted(() -> assertThat(manager.connections().iterator().next().queuedFrames()).isPositive());
			long start = System.nanoTime();
			Thread closer = new Thread(context::close);
			closer.start();
			Awaitility.await().until(manager::isDraining);
			assertThat(TestClient.handshakeStatus(uri, Map.of())).isEqualTo(503);
			closer.join(Duration.ofSeconds(30).toMillis());
			assertThat(closer.isAlive()).isFalse();
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(3)).isLessThan(Duration.ofSeconds(20));
			// the server gave up on the stalled client: what it had written before arrives, then the connection
			// ends, with the 1001 close frame if it got through, or without one (possibly in the middle of a
			// frame: the socket was closed under a write)
			RawWebSocket.Frame end;
			try {
				end = stalled.awaitClose();
			}
			catch (EOFException ex) {
				end = null;
			}
			if (end != null) {
				assertThat(end.closeCode()).isEqualTo(1001);
			}
		}
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

}
