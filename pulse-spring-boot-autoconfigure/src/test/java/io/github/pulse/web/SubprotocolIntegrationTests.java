package io.github.pulse.web;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.PulseConnection;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.RawWebSocket;
import io.github.pulse.test.TestClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Subprotocol negotiation with a real client: the server's order of preference decides, a client listing none is
 * accepted without one, a client listing only unknown ones gets 400 with no body before the upgrade.
 */
@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "pulse.subprotocols=pulse.v2,pulse.v1")
class SubprotocolIntegrationTests extends PulseIntegrationTest {

	@Autowired
	MeterRegistry meters;

	private PulseConnection serverSide(String connectionId) {
		return this.manager.connections()
			.stream()
			.filter((connection) -> connection.id().equals(connectionId))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no live connection " + connectionId));
	}

	@Test
	void offeredSubprotocolIsSelectedAndReportedInWelcomeAndOnTheConnection() {
		try (TestClient client = TestClient.connect(uri(""), Map.of(), List.of("pulse.v1"))) {
			JsonNode welcome = client.nextOfType("welcome");
			assertThat(client.subprotocol()).isEqualTo("pulse.v1");
			assertThat(welcome.path("protocol").asText()).isEqualTo("pulse.v1");
			assertThat(serverSide(welcome.path("connectionId").asText()).protocol()).isEqualTo("pulse.v1");
		}
	}

	@Test
	void serverPreferenceWinsOverTheClientsOrder() {
		try (TestClient client = TestClient.connect(uri(""), Map.of(), List.of("pulse.v1", "pulse.v2"))) {
			JsonNode welcome = client.nextOfType("welcome");
			assertThat(client.subprotocol()).isEqualTo("pulse.v2");
			assertThat(welcome.path("protocol").asText()).isEqualTo("pulse.v2");
		}
	}

	@Test
	void unknownSubprotocolsBesideAKnownOneAreIgnored() {
		try (TestClient client = TestClient.connect(uri(""), Map.of(), List.of("chat.v9", "pulse.v1"))) {
			assertThat(client.nextOfType("welcome").path("protocol").asText()).isEqualTo("pulse.v1");
		}
	}

	@Test
	void clientListingNoneIsAcceptedWithoutASubprotocol() {
		try (TestClient client = TestClient.connect(uri(""), Map.of(), List.of())) {
			JsonNode welcome = client.nextOfType("welcome");
			assertThat(client.subprotocol()).isEmpty();
			assertThat(welcome.has("protocol")).as("welcome %s", welcome).isFalse();
			assertThat(serverSide(welcome.path("connectionId").asText()).protocol()).isNull();
		}
	}

	@Test
	void clientListingOnlyUnknownSubprotocolsGets400WithNoBodyAndIsCounted() throws IOException {
		double before = rejected("unsupported-protocol");
		assertThat(TestClient.handshakeStatus(uri(""), Map.of(), List.of("chat.v9", "mqtt"))).isEqualTo(400);
		RawWebSocket.Handshake raw = RawWebSocket.handshake(InetAddress.getLoopbackAddress(), this.port, "/pulse",
				Map.of("Sec-WebSocket-Protocol", "chat.v9"));
		assertThat(raw.status()).isEqualTo(400);
		assertThat(raw.body()).isEmpty();
		assertThat(raw.headers()).doesNotContainKey("sec-websocket-protocol");
		assertThat(rejected("unsupported-protocol")).isEqualTo(before + 2);
		assertThat(this.manager.connectionCount()).isZero();
	}

	private double rejected(String cause) {
		Counter counter = this.meters.find("pulse.handshakes.rejected").tag("cause", cause).counter();
		return (counter != null) ? counter.count() : 0;
	}

}
