package io.github.pulse.actuate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.core.SessionManager;
import io.github.pulse.metrics.PulseMeterTable;
import io.github.pulse.metrics.PulseMeters;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.TestClient;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Metrics, the {@code pulse} endpoint, health and observations against a real server with real WebSocket clients.
 * Every test starts from zero live and suspended sessions and compares counters with a baseline, so the tests do
 * not depend on their order.
 */
@SpringBootTest(classes = { ChatTestApplication.class, PulseActuatorIntegrationTests.Observations.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=health,info,pulse,prometheus",
				"management.endpoint.health.show-details=always", "pulse.resume.window=2s" })
class PulseActuatorIntegrationTests {

	private static final ObjectMapper MAPPER = new ObjectMapper();

	private static final HttpClient HTTP = HttpClient.newHttpClient();

	private static final Duration PATIENCE = Duration.ofSeconds(20);

	@LocalServerPort
	int port;

	@Autowired
	SessionManager manager;

	@Autowired
	Observations observations;

	@BeforeEach
	void noSessionsLeftFromOtherTests() {
		await().atMost(PATIENCE)
			.until(() -> this.manager.connectionCount() == 0 && this.manager.suspendedCount() == 0);
	}

	@Test
	void prometheusScrapeTracksLiveConnectionsAndCloseReasons() {
		double closedNormally = sample(scrape(), "pulse_connections_closed_total{reason=\"normal\"}");
		double opened = sample(scrape(), "pulse_connections_opened_total");
		List<TestClient> clients = connect(3, "lobby");
		try {
			assertThat(sample(scrape(), "pulse_connections_active")).isEqualTo(3);
			assertThat(sample(scrape(), "pulse_rooms_active")).isEqualTo(1);
			assertThat(sample(scrape(), "pulse_connections_opened_total")).isEqualTo(opened + 3);
			clients.get(0).close(1000);
			assertThat(clients.get(0).awaitClose().code()).isEqualTo(1000);
			await().atMost(PATIENCE).untilAsserted(() -> {
				String scrape = scrape();
				assertThat(sample(scrape, "pulse_connections_active")).isEqualTo(2);
				assertThat(sample(scrape, "pulse_connections_closed_total{reason=\"normal\"}"))
					.isEqualTo(closedNormally + 1);
			});
		}
		finally {
			closeAll(clients);
		}
	}

	@Test
	void prometheusScrapeExposesEveryPulseMeterWithItsHelpText() {
		String scrape = scrape();
		for (PulseMeters meter : PulseMeters.values()) {
			if (meter.meterName().startsWith("pulse.cluster.")) {
				// published only with pulse.cluster.enabled (see ClusterIntegrationTests); this is a single node
				assertThat(scrape).as(meter.meterName()).doesNotContain(meter.description());
				continue;
			}
			for (String series : PulseMeterTable.prometheusSeries(meter)) {
				assertThat(scrape).as(meter.meterName()).containsPattern("(?m)^" + series + "[{ ]");
			}
			assertThat(scrape).contains(meter.description());
		}
		assertThat(scrape).contains("pulse_delivery_latency_seconds_bucket{le=\"0.001\"}");
	}

	@Test
	void messageMetersCountInboundMessagesAndOneFramePerRecipient() {
		JsonNode before = getJson("/actuator/pulse", 200);
		String scrape = scrape();
		double received = sample(scrape, "pulse_messages_received_total");
		double sent = sample(scrape, "pulse_messages_sent_total");
		double delivered = sample(scrape, "pulse_delivery_latency_seconds_count");
		double broadcasts = sample(scrape, "pulse_broadcasts_total");
		List<TestClient> clients = connect(3, "lobby");
		try {
			clients.get(0).sendMessage("chat", "{\"text\":\"hello\"}");
			clients.forEach((client) -> client.nextOfType("message"));
			await().atMost(PATIENCE).untilAsserted(() -> {
				String after = scrape();
				assertThat(sample(after, "pulse_messages_received_total")).isEqualTo(received + 1);
				assertThat(sample(after, "pulse_messages_sent_total")).isEqualTo(sent + 3);
				assertThat(sample(after, "pulse_delivery_latency_seconds_count")).isEqualTo(delivered + 3);
				assertThat(sample(after, "pulse_broadcasts_total")).isEqualTo(broadcasts + 1);
			});
			JsonNode after = getJson("/actuator/pulse", 200);
			assertThat(after.at("/messages/received").asLong())
				.isEqualTo(before.at("/messages/received").asLong() + 1);
			assertThat(after.at("/messages/sent").asLong()).isEqualTo(before.at("/messages/sent").asLong() + 3);
		}
		finally {
			closeAll(clients);
		}
	}

	@Test
	void pulseEndpointReportsConnectionsRoomsAndSettings() {
		List<TestClient> lobby = connect(2, "lobby");
		List<TestClient> ops = connect(1, "ops");
		try {
			JsonNode overview = getJson("/actuator/pulse", 200);
			assertThat(overview.path("connections").asInt()).isEqualTo(3);
			assertThat(overview.path("suspended").asInt()).isZero();
			assertThat(overview.path("rooms").asInt()).isEqualTo(2);
			assertThat(overview.path("largestRooms").toString())
				.isEqualTo("[{\"room\":\"lobby\",\"connections\":2},{\"room\":\"ops\",\"connections\":1}]");
			assertThat(overview.path("draining").isBoolean()).isTrue();
			assertThat(overview.path("draining").asBoolean()).isFalse();
			assertThat(overview.path("uptimeSeconds").isIntegralNumber()).isTrue();
			assertThat(overview.path("messages").path("received").isIntegralNumber()).isTrue();
			assertThat(overview.path("settings").path("resumeWindow").asText()).isEqualTo("PT2S");
			assertThat(overview.path("settings").path("heartbeatInterval").asText()).isEqualTo("PT25S");
			JsonNode room = getJson("/actuator/pulse/lobby", 200);
			assertThat(room.path("room").asText()).isEqualTo("lobby");
			List<String> ids = new ArrayList<>();
			for (JsonNode connection : room.path("connections")) {
				ids.add(connection.path("id").asText());
				assertThat(connection.path("state").asText()).isEqualTo("OPEN");
				assertThat(Instant.parse(connection.path("connectedSince").asText()))
					.isBetween(Instant.now().minusSeconds(60), Instant.now());
				assertThat(connection.path("queuedFrames").asInt()).isZero();
			}
			assertThat(ids).containsExactlyInAnyOrder(connectionId(lobby.get(0)), connectionId(lobby.get(1)));
			assertThat(getJson("/actuator/pulse/nobody-here", 200).path("connections")).isEmpty();
		}
		finally {
			closeAll(lobby);
			closeAll(ops);
		}
	}

	@Test
	void kickThroughTheEndpointClosesTheClientWith4000() {
		double kicked = sample(scrape(), "pulse_connections_closed_total{reason=\"kicked\"}");
		List<TestClient> clients = connect(1, "lobby");
		try {
			String id = connectionId(clients.get(0));
			assertThat(send("DELETE", "/actuator/pulse/" + id, 200).path("kicked").asBoolean()).isTrue();
			assertThat(clients.get(0).awaitClose().code()).isEqualTo(4000);
			assertThat(send("DELETE", "/actuator/pulse/" + id, 200).path("kicked").asBoolean()).isFalse();
			assertThat(sample(scrape(), "pulse_connections_closed_total{reason=\"kicked\"}")).isEqualTo(kicked + 1);
		}
		finally {
			closeAll(clients);
		}
	}

	@Test
	void droppedTransportIsSuspendedThenExpires() {
		double expired = sample(scrape(), "pulse_connections_closed_total{reason=\"resume-expired\"}");
		double dropped = sample(scrape(), "pulse_transports_dropped_total{cause=\"transport-error\"}");
		List<TestClient> clients = connect(1, "lobby");
		clients.get(0).abort();
		await().atMost(PATIENCE).untilAsserted(() -> {
			assertThat(getJson("/actuator/pulse", 200).path("suspended").asInt()).isEqualTo(1);
			String scrape = scrape();
			assertThat(sample(scrape, "pulse_sessions_suspended")).isEqualTo(1);
			assertThat(sample(scrape, "pulse_connections_active")).isZero();
			assertThat(sample(scrape, "pulse_transports_dropped_total{cause=\"transport-error\"}"))
				.isEqualTo(dropped + 1);
		});
		await().atMost(PATIENCE)
			.untilAsserted(() -> assertThat(
					sample(scrape(), "pulse_connections_closed_total{reason=\"resume-expired\"}"))
				.isEqualTo(expired + 1));
		assertThat(sample(scrape(), "pulse_sessions_suspended")).isZero();
	}

	@Test
	void healthIsUpWithPulseCounts() {
		List<TestClient> clients = connect(2, "lobby");
		try {
			JsonNode health = getJson("/actuator/health", 200);
			assertThat(health.path("status").asText()).isEqualTo("UP");
			JsonNode pulse = health.at("/components/pulse");
			assertThat(pulse.path("status").asText()).isEqualTo("UP");
			assertThat(pulse.at("/details/connections").asInt()).isEqualTo(2);
			assertThat(pulse.at("/details/suspended").asInt()).isZero();
			assertThat(pulse.at("/details/rooms").asInt()).isEqualTo(1);
		}
		finally {
			closeAll(clients);
		}
	}

	@Test
	void handshakesAndInboundMessagesAreObservedWithListenersInScope() {
		double badRequests = sample(scrape(), "pulse_handshakes_rejected_total{cause=\"bad-request\"}");
		this.observations.stopped.clear();
		assertThat(TestClient.handshakeStatus(wsUri("?room=no%20spaces"), Map.of())).isEqualTo(400);
		List<TestClient> clients = connect(1, "lobby");
		try {
			clients.get(0).sendMessage("trace", "1");
			clients.get(0).sendMessage("fail", "1");
			assertThat(clients.get(0).awaitClose().code()).isEqualTo(1011);
			await().atMost(PATIENCE).untilAsserted(() -> assertThat(this.observations.stopped)
				.extracting(Stopped::name, Stopped::outcome)
				.contains(tuple("pulse.handshake", "bad-request"),
						tuple("pulse.handshake", "accepted"),
						tuple("pulse.message", "success"),
						tuple("pulse.message", "error")));
			assertThat(this.observations.stopped).allSatisfy((stopped) -> {
				if (stopped.name().startsWith("pulse.")) {
					assertThat(stopped.keys()).containsOnly("outcome");
				}
			});
			assertThat(this.observations.stopped)
				.filteredOn((stopped) -> stopped.name().equals("pulse.handshake"))
				.allSatisfy((stopped) -> assertThat(stopped.parent()).isEqualTo("http.server.requests"));
			assertThat(this.observations.stopped)
				.filteredOn((stopped) -> stopped.name().equals("pulse.message") && "error".equals(stopped.outcome()))
				.allSatisfy((stopped) -> assertThat(stopped.error()).isInstanceOf(IllegalStateException.class));
			assertThat(this.observations.seenByListener).containsExactly("pulse.message");
			assertThat(sample(scrape(), "pulse_handshakes_rejected_total{cause=\"bad-request\"}"))
				.isEqualTo(badRequests + 1);
		}
		finally {
			closeAll(clients);
		}
	}

	// ---- helpers

	URI wsUri(String query) {
		return URI.create("ws://localhost:" + this.port + "/pulse" + query);
	}

	List<TestClient> connect(int count, String room) {
		List<TestClient> clients = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			TestClient client = TestClient.connect(wsUri("?room=" + room));
			assertThat(client.nextOfType("welcome").path("rooms").get(0).asText()).isEqualTo(room);
			clients.add(client);
		}
		return clients;
	}

	static String connectionId(TestClient client) {
		return client.history().get(0).path("connectionId").asText();
	}

	static void closeAll(List<TestClient> clients) {
		for (TestClient client : clients) {
			if (!client.isClosed()) {
				try {
					client.close(1000);
					client.awaitClose();
				}
				catch (RuntimeException ex) {
					client.close();
				}
			}
		}
	}

	String scrape() {
		HttpResponse<String> response = exchange(HttpRequest.newBuilder(httpUri("/actuator/prometheus"))
			.header("Accept", "text/plain;version=0.0.4")
			.GET()
			.build());
		assertThat(response.statusCode()).isEqualTo(200);
		return response.body();
	}

	/**
	 * Value of one series in a Prometheus text scrape.
	 * @param scrape the scrape
	 * @param series name and labels exactly as exposed, such as {@code x_total{reason="normal"}}
	 * @return the value
	 */
	static double sample(String scrape, String series) {
		for (String line : scrape.split("\n")) {
			if (line.startsWith(series + " ")) {
				return Double.parseDouble(line.substring(series.length() + 1).trim());
			}
		}
		throw new AssertionError("No series " + series + " in the scrape:\n" + scrape);
	}

	JsonNode getJson(String path, int expectedStatus) {
		return send("GET", path, expectedStatus);
	}

	JsonNode send(String method, String path, int expectedStatus) {
		HttpResponse<String> response = exchange(HttpRequest.newBuilder(httpUri(path))
			.header("Accept", "application/json")
			.method(method, HttpRequest.BodyPublishers.noBody())
			.build());
		assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isEqualTo(expectedStatus);
		try {
			return MAPPER.readTree(response.body());
		}
		catch (tools.jackson.core.JacksonException ex) {
			throw new AssertionError("Not JSON: " + response.body(), ex);
		}
	}

	URI httpUri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	static HttpResponse<String> exchange(HttpRequest request) {
		try {
			return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** A stopped observation as a tracer would see it. */
	record Stopped(String name, @Nullable String outcome, List<String> keys, @Nullable String parent,
			@Nullable Throwable error) {
	}

	/**
	 * Records every stopped observation, and which observation is current while a listener handles {@code trace}.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class Observations {

		final List<Stopped> stopped = new CopyOnWriteArrayList<>();

		final List<String> seenByListener = new CopyOnWriteArrayList<>();

		@Bean
		ObservationHandler<Observation.Context> recordingObservationHandler() {
			return new ObservationHandler<>() {

				@Override
				public void onStop(Observation.Context context) {
					KeyValue outcome = context.getLowCardinalityKeyValue("outcome");
					Observation.ContextView parent = (context.getParentObservation() != null)
							? context.getParentObservation().getContextView() : null;
					Observations.this.stopped.add(new Stopped(context.getName(),
							(outcome != null) ? outcome.getValue() : null,
							context.getLowCardinalityKeyValues().stream().map(KeyValue::getKey).toList(),
							(parent != null) ? parent.getName() : null, context.getError()));
				}

				@Override
				public boolean supportsContext(Observation.Context context) {
					return true;
				}

			};
		}

		@Bean
		PulseListener currentObservationRecorder(ObservationRegistry registry) {
			return new PulseListener() {

				@Override
				public void onMessage(PulseConnection connection, PulseMessage message) {
					Observation current = registry.getCurrentObservation();
					if (message.event().equals("trace")) {
						Observations.this.seenByListener
							.add((current != null) ? current.getContext().getName() : "none");
					}
				}

			};
		}

	}

}
