package io.github.pulse.web;

import java.net.URI;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.TestClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class PulseEndpointIntegrationTests {

	@LocalServerPort
	int port;

	URI uri(String query) {
		return URI.create("ws://localhost:" + this.port + "/pulse" + query);
	}

	@Test
	void welcomeIsTheFirstFrameAndChatIsBroadcastToTheRoom() {
		try (TestClient alice = TestClient.connect(uri("?room=lobby"));
				TestClient bob = TestClient.connect(uri("?room=lobby"))) {
			JsonNode welcome = alice.next();
			assertThat(welcome.path("type").asText()).isEqualTo("welcome");
			assertThat(welcome.path("rooms").get(0).asText()).isEqualTo("lobby");
			assertThat(welcome.path("heartbeatMs").asLong()).isEqualTo(25000);
			assertThat(welcome.path("resumeToken").asText()).hasSize(43);
			assertThat(welcome.path("resumeWindowMs").asLong()).isEqualTo(30000);
			bob.nextOfType("welcome");
			alice.sendMessage("chat", "{\"text\":\"hi\"}");
			JsonNode received = bob.nextOfType("message");
			assertThat(received.path("seq").asLong()).isEqualTo(1);
			assertThat(received.path("event").asText()).isEqualTo("chat");
			assertThat(received.path("room").asText()).isEqualTo("lobby");
			assertThat(received.path("payload").path("text").asText()).isEqualTo("hi");
			assertThat(alice.nextOfType("message").path("seq").asLong()).isEqualTo(1);
		}
	}

	@Test
	void appPingIsAnsweredWithPong() {
		try (TestClient client = TestClient.connect(uri(""))) {
			assertThat(client.next().path("rooms").get(0).asText()).isEqualTo("default");
			client.send("{\"type\":\"ping\"}");
			assertThat(client.next().path("type").asText()).isEqualTo("pong");
		}
	}

	@Test
	void invalidRoomIsRejectedBeforeTheUpgrade() {
		assertThat(TestClient.handshakeStatus(uri("?room=no%20spaces"), Map.of())).isEqualTo(400);
	}

}
