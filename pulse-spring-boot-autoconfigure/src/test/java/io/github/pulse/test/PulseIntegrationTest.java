package io.github.pulse.test;

import java.net.URI;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import io.github.pulse.core.SessionManager;
import org.awaitility.Awaitility;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Base of integration tests against the real embedded server of {@link ChatTestApplication}.
 */
public abstract class PulseIntegrationTest {

	@LocalServerPort
	protected int port;

	@Autowired
	protected SessionManager manager;

	@Autowired
	protected ChatTestApplication.RecordingListener recorder;

	protected URI uri(String query) {
		return URI.create("ws://localhost:" + this.port + "/pulse" + query);
	}

	/**
	 * Connects and consumes the welcome frame.
	 * @param query the query string, starting with '?' or empty
	 * @return the client and its connection id
	 */
	protected Connected connect(String query) {
		TestClient client = TestClient.connect(uri(query));
		JsonNode welcome = client.nextOfType("welcome");
		return new Connected(client, welcome.path("connectionId").asText(), welcome);
	}

	/** A connected client with its welcome frame. */
	public record Connected(TestClient client, String id, JsonNode welcome) implements AutoCloseable {

		@Override
		public void close() {
			this.client.close();
		}

	}

	/**
	 * Connects, reads the welcome, then drops the transport without a close frame and waits until the server has
	 * suspended the session.
	 * @param query the query string
	 * @param headers handshake headers
	 * @return the welcome frame, with the connection id and resume token
	 */
	protected JsonNode connectAndDrop(String query, java.util.Map<String, String> headers) {
		TestClient original = TestClient.connect(uri(query), headers);
		JsonNode welcome = original.nextOfType("welcome");
		original.abort();
		String drop = "drop:" + welcome.path("connectionId").asText() + ":TRANSPORT_ERROR";
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> this.recorder.events.contains(drop));
		return welcome;
	}

	protected void awaitNoSessions() {
		Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(this.manager.connectionCount()).isZero();
			assertThat(this.manager.suspendedCount()).isZero();
			assertThat(this.manager.roomCount()).isZero();
		});
	}

}
