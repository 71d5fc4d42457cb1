package io.github.pulse.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.ConnectionState;
import io.github.pulse.PulseConnection;
import io.github.pulse.core.SessionManager;
import io.github.pulse.test.TestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The contract outside checks rely on, and the sample's own features, against the real server. Its clients end by
 * dropping their transports, which leaves suspended sessions behind: the context is not reused.
 */
@SpringBootTest(classes = SampleApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@Import(PulseEndpointStandIn.class)
@DirtiesContext
class SampleContractTests {

	static final ObjectMapper JSON = new ObjectMapper();

	@LocalServerPort
	int port;

	@Autowired
	SessionManager manager;

	TestClient connect(String query) {
		return TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse" + query));
	}

	HttpResponse<String> get(String path) throws Exception {
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build(),
					HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void withoutRoomParameterClientsLandInTheLobbyAndChatIsBroadcastThereWithTheSamePayload() throws Exception {
		try (TestClient alice = connect(""); TestClient bob = connect(""); TestClient carol = connect("?room=other")) {
			assertThat(alice.nextOfType("welcome").path("rooms").toString()).isEqualTo("[\"lobby\"]");
			bob.nextOfType("welcome");
			assertThat(carol.nextOfType("welcome").path("rooms").toString()).isEqualTo("[\"other\"]");
			String payload = "{\"text\":\"hi\",\"nested\":{\"list\":[1,2.5,null,true]},\"unicode\":\"\\u00e9\"}";
			alice.sendMessage("chat", payload);
			for (TestClient member : new TestClient[] { alice, bob }) {
				JsonNode frame = member.nextOfType("message");
				assertThat(frame.path("event").asText()).isEqualTo("chat");
				assertThat(frame.path("room").asText()).isEqualTo("lobby");
				assertThat(frame.path("payload")).isEqualTo(JSON.readTree(payload));
			}
			carol.sendMessage("chat", "\"only here\"");
			assertThat(carol.nextOfType("message").path("payload").asText()).isEqualTo("only here");
		}
	}

	@Test
	void chatWithAnyJsonPayloadIsPassedOnAsIs() {
		try (TestClient alice = connect("?room=raw")) {
			alice.nextOfType("welcome");
			alice.sendMessage("chat", "42");
			assertThat(alice.nextOfType("message").path("payload").asInt()).isEqualTo(42);
			alice.send("{\"type\":\"message\",\"event\":\"chat\"}");
			assertThat(alice.nextOfType("message").has("payload")).isFalse();
		}
	}

	@Test
	void helloAnswersWithWhoIsPresentAndPresenceFollowsArrivalsAndDepartures() {
		try (TestClient alice = connect("?room=presence")) {
			alice.nextOfType("welcome");
			alice.sendMessage("hello", "{\"name\":\"alice\"}");
			JsonNode answer = alice.nextMatching((frame) -> frame.path("event").asText().equals("hello"));
			assertThat(answer.path("payload").path("room").asText()).isEqualTo("presence");
			assertThat(answer.path("payload").path("members").findValuesAsString("name")).containsExactly("alice");
			try (TestClient bob = connect("?room=presence")) {
				bob.nextOfType("welcome");
				bob.sendMessage("hello", "{\"name\":\"bob\"}");
				JsonNode update = alice.nextMatching((frame) -> frame.path("event").asText().equals("presence"));
				assertThat(update.path("payload").path("members").findValuesAsString("name")).containsExactly("alice",
						"bob");
				bob.close(1000);
				JsonNode departure = alice.nextMatching((frame) -> frame.path("event").asText().equals("presence"));
				assertThat(departure.path("payload").path("members").findValuesAsString("name")).containsExactly("alice");
			}
		}
	}

	@Test
	void helloWithoutANameClosesWith1007() {
		try (TestClient client = connect("?room=presence")) {
			client.nextOfType("welcome");
			client.sendMessage("hello", "{\"name\":\"  \"}");
			TestClient.Close close = client.awaitClose();
			assertThat(close.code()).isEqualTo(1007);
			assertThat(close.reason()).isEqualTo("hello needs a name of 1 to 40 characters");
		}
	}

	@Test
	void droppedTransportLeavesTheSessionSuspendedUntilItResumes() {
		try (TestClient client = connect("?room=drop")) {
			JsonNode welcome = client.nextOfType("welcome");
			String id = welcome.path("connectionId").asText();
			client.sendMessage("pulse.drop", "null");
			// awaitDrop, not awaitClose: the JDK client does not always notice the dropped TCP connection by itself
			// (its socket stays in CLOSE-WAIT with no callback), so it probes with pings; a close frame the server
			// sent would still show up with its code and fail this
			assertThat(client.awaitDrop().code()).isEqualTo(1006);
			PulseConnection session = this.manager.connection(id);
			assertThat(session).isNotNull();
			await().atMost(Duration.ofSeconds(10)).until(() -> session.state() == ConnectionState.SUSPENDED);
			this.manager.send(id, "note", "while you were away");
			try (TestClient resumed = connect("?room=drop&resume=" + welcome.path("resumeToken").asText()
					+ "&lastSeq=0")) {
				JsonNode first = resumed.next();
				assertThat(first.path("type").asText()).isEqualTo("resumed");
				assertThat(first.path("connectionId").asText()).isEqualTo(id);
				assertThat(first.path("replayed").asInt()).isEqualTo(1);
				assertThat(resumed.next().path("payload").asText()).isEqualTo("while you were away");
				assertThat(session.state()).isEqualTo(ConnectionState.OPEN);
			}
		}
	}

	@Test
	void pagesClientAndActuatorAreServed() throws Exception {
		assertThat(get("/").body()).contains("/chat.js");
		assertThat(get("/ops.html").body()).contains("/ops.js");
		assertThat(get("/pulse/client.js").statusCode()).isEqualTo(200);
		assertThat(get("/actuator/health").statusCode()).isEqualTo(200);
		assertThat(get("/actuator/prometheus").statusCode()).isEqualTo(200);
		JsonNode status = JSON.readTree(get("/actuator/pulse").body());
		assertThat(status.has("connections")).isTrue();
		assertThat(status.path("messages").has("received")).isTrue();
	}

	@Test
	void emptyIdleTimeoutInTheYamlMeansNoLimit() {
		assertThat(this.manager.settings().idleTimeout()).isNull();
		assertThat(this.manager.settings().resumeWindow()).isEqualTo(Duration.ofSeconds(30));
	}

	@Test
	void roomListShowsRoomsWithTheirSize() throws Exception {
		try (TestClient client = connect("?room=listed")) {
			client.nextOfType("welcome");
			JsonNode rooms = JSON.readTree(get("/api/rooms").body());
			assertThat(rooms.findValuesAsString("room")).contains("listed");
			assertThat(get("/api/rooms/bad%20name").statusCode()).isEqualTo(400);
		}
	}

}
