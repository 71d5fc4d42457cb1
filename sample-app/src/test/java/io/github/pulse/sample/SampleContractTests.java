package io.github.pulse.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.ConnectionState;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseServer;
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

	@Autowired
	PulseServer server;

	URI uri(String query) {
		return URI.create("ws://localhost:" + this.port + "/pulse" + query);
	}

	TestClient connect(String query) {
		return TestClient.connect(uri(query));
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
	void theNameParameterIsTheUserAndConnectionIdsStayRandom() {
		try (TestClient first = connect("?name=alice"); TestClient second = connect("?name=alice");
				TestClient anonymous = connect("")) {
			JsonNode one = first.nextOfType("welcome");
			JsonNode two = second.nextOfType("welcome");
			assertThat(one.path("user").asText()).isEqualTo("alice");
			assertThat(two.path("user").asText()).isEqualTo("alice");
			assertThat(one.path("connectionId").asText()).isNotEqualTo(two.path("connectionId").asText())
				.isNotEqualTo("alice");
			assertThat(one.path("rooms").toString()).isEqualTo("[\"lobby\"]");
			assertThat(anonymous.nextOfType("welcome").has("user")).isFalse();
			assertThat(this.server.connectionsOf("alice")).extracting(PulseConnection::id)
				.containsExactlyInAnyOrder(one.path("connectionId").asText(), two.path("connectionId").asText());
		}
	}

	@Test
	void anInvalidNameOrRoomIsRefusedWith400BeforeTheUpgrade() {
		for (String query : new String[] { "?name=", "?name=%20alice", "?name=alice%20", "?name=a%0Ab",
				"?name=" + "n".repeat(SampleConnectHandler.MAX_NAME_LENGTH + 1), "?name=bob&room=bad%20room" }) {
			assertThat(TestClient.handshakeStatus(uri(query), Map.of())).as(query).isEqualTo(400);
		}
		try (TestClient longest = connect("?name=" + "n".repeat(SampleConnectHandler.MAX_NAME_LENGTH))) {
			assertThat(longest.nextOfType("welcome").path("user").asText()).hasSize(SampleConnectHandler.MAX_NAME_LENGTH);
		}
	}

	@Test
	void anEmptyRoomParameterConnectsWithoutARoom() {
		try (TestClient client = connect("?room=&name=alice")) {
			assertThat(client.nextOfType("welcome").path("rooms").toString()).isEqualTo("[]");
		}
	}

	@Test
	void clientsJoinEveryRoomThemselvesButTheAdminOnesAndTheAnswerCarriesPresence() throws Exception {
		try (TestClient alice = connect("?room=&name=alice")) {
			alice.nextOfType("welcome");
			JsonNode joined = join(alice, "chat-7", "1", null);
			assertThat(joined.path("type").asText()).isEqualTo("joined");
			assertThat(joined.path("presence")).isEqualTo(JSON.readTree("[{\"user\":\"alice\",\"connections\":1}]"));
			assertThat(join(alice, "not-admin-7", "2", null).path("type").asText()).isEqualTo("joined");
			for (String room : new String[] { "admin-", "admin-ops" }) {
				JsonNode refused = join(alice, room, "3", null);
				assertThat(refused.path("type").asText()).as(room).isEqualTo("joinFailed");
				assertThat(refused.path("reason").asText()).as(room).isEqualTo("forbidden");
			}
			alice.send("{\"type\":\"leave\",\"room\":\"chat-7\",\"ref\":\"4\"}");
			assertThat(alice.nextMatching((frame) -> frame.path("ref").asText().equals("4")).path("type").asText())
				.isEqualTo("left");
			assertThat(this.server.connectionsOf("alice").iterator().next().rooms()).containsExactly("not-admin-7");
		}
	}

	@Test
	void membersSeeAUsersFirstConnectionArriveAndItsLastLeave() {
		try (TestClient alice = connect("?room=present&name=alice")) {
			alice.nextOfType("welcome");
			try (TestClient bob = connect("?room=&name=bob"); TestClient bobAgain = connect("?room=present&name=bob")) {
				bob.nextOfType("welcome");
				join(bob, "present", "1", null);
				assertThat(alice.nextOfType("presence").path("joined").path("user").asText()).isEqualTo("bob");
				bobAgain.nextOfType("welcome");
				await().atMost(Duration.ofSeconds(10)).until(() -> this.server.presence("present").get("bob") == 2);
				assertThat(this.server.presence("present")).containsExactly(Map.entry("alice", 1), Map.entry("bob", 2));
				bob.close(1000);
				await().atMost(Duration.ofSeconds(10)).until(() -> this.server.presence("present").get("bob") == 1);
				bobAgain.close(1000);
				JsonNode left = alice.nextOfType("presence");
				assertThat(left.path("left").path("user").asText()).isEqualTo("bob");
				assertThat(left.has("joined")).isFalse();
			}
		}
	}

	@Test
	void joinWithHistoryGetsTheRoomsLast50MessagesMarkedThenLiveOnes() {
		try (TestClient alice = connect("?room=history&name=alice"); TestClient bob = connect("?room=&name=bob")) {
			alice.nextOfType("welcome");
			bob.nextOfType("welcome");
			for (int i = 1; i <= 60; i++) {
				this.server.broadcast("history", "chat", "before " + i);
			}
			alice.sendMessage("chat", "\"mine\"");
			// broadcast to the room once alice has her own copy: only then is it in the history bob asks for
			alice.nextMatching((frame) -> frame.path("payload").asText().equals("mine"));
			JsonNode joined = join(bob, "history", "1", 1000);
			assertThat(joined.path("type").asText()).isEqualTo("joined");
			assertThat(joined.path("history").asInt()).isEqualTo(50);
			List<String> past = new ArrayList<>();
			long lastSeq = joined.path("seq").asLong();
			for (int i = 0; i < 50; i++) {
				JsonNode frame = bob.nextOfType("message");
				assertThat(frame.path("history").asBoolean()).as("history flag of %s", frame).isTrue();
				assertThat(frame.path("seq").asLong()).isGreaterThan(lastSeq);
				lastSeq = frame.path("seq").asLong();
				past.add(frame.path("payload").asText());
			}
			assertThat(past).startsWith("before 12").endsWith("before 60", "mine");
			alice.sendMessage("chat", "\"live\"");
			JsonNode live = bob.nextOfType("message");
			assertThat(live.path("payload").asText()).isEqualTo("live");
			assertThat(live.has("history")).isFalse();
		}
	}

	@Test
	void dmReachesEveryConnectionOfTheRecipientFromTheSendersUserAndNobodyElse() throws Exception {
		try (TestClient alice = connect("?room=dm&name=alice"); TestClient bob = connect("?room=dm-1&name=bob");
				TestClient bobAgain = connect("?room=dm-2&name=bob"); TestClient carol = connect("?room=dm&name=carol")) {
			for (TestClient client : new TestClient[] { alice, bob, bobAgain, carol }) {
				client.nextOfType("welcome");
			}
			alice.sendMessage("dm", "{\"to\":\"bob\",\"text\":\"psst\"}");
			for (TestClient recipient : new TestClient[] { bob, bobAgain }) {
				JsonNode dm = recipient.nextOfType("message");
				assertThat(dm.path("event").asText()).isEqualTo("dm");
				assertThat(dm.has("room")).isFalse();
				assertThat(dm.path("payload")).isEqualTo(JSON.readTree("{\"from\":\"alice\",\"text\":\"psst\"}"));
			}
			// the dm was queued before the chat is handled: a dm to anyone else would come first
			alice.sendMessage("chat", "\"after the dm\"");
			for (TestClient other : new TestClient[] { alice, carol }) {
				assertThat(other.nextOfType("message").path("event").asText()).isEqualTo("chat");
			}
		}
	}

	@Test
	void dmRequestsToAnOfflineUserOrFromAConnectionWithoutAUserFailAndTheConnectionStaysOpen() {
		try (TestClient alice = connect("?room=dm&name=alice"); TestClient anonymous = connect("?room=dm")) {
			alice.nextOfType("welcome");
			anonymous.nextOfType("welcome");
			alice.send("{\"type\":\"message\",\"event\":\"dm\",\"ref\":\"r1\",\"payload\":{\"to\":\"nobody\",\"text\":\"hi\"}}");
			JsonNode offline = alice.nextOfType("reply");
			assertThat(offline.path("error").path("code").asText()).isEqualTo("offline");
			assertThat(offline.path("error").path("message").asText()).isEqualTo("nobody is not connected");
			anonymous.send("{\"type\":\"message\",\"event\":\"dm\",\"ref\":\"r1\",\"payload\":{\"to\":\"alice\",\"text\":\"hi\"}}");
			assertThat(anonymous.nextOfType("reply").path("error").path("code").asText()).isEqualTo("no-user");
			alice.send("{\"type\":\"message\",\"event\":\"dm\",\"ref\":\"r2\",\"payload\":{\"to\":\"alice\",\"text\":\"note to self\"}}");
			assertThat(alice.nextOfType("message").path("payload").path("from").asText()).isEqualTo("alice");
			JsonNode delivered = alice.nextOfType("reply");
			assertThat(delivered.path("ref").asText()).isEqualTo("r2");
			assertThat(delivered.has("error")).isFalse();
		}
	}

	@Test
	void anInvalidDmClosesTheSenderWith1007NamingWhatDmNeeds() {
		String tooLong = "x".repeat(ChatHandlers.MAX_TEXT_LENGTH + 1);
		for (String payload : new String[] { "null", "{}", "{\"text\":\"hi\"}", "{\"to\":\"bob\"}",
				"{\"to\":\"bob\",\"text\":\" \"}", "{\"to\":\"\",\"text\":\"hi\"}",
				"{\"to\":\" bob\",\"text\":\"hi\"}", "{\"to\":\"bob\",\"text\":\"" + tooLong + "\"}" }) {
			try (TestClient alice = connect("?room=dm&name=alice")) {
				alice.nextOfType("welcome");
				alice.sendMessage("dm", payload);
				TestClient.Close close = alice.awaitClose();
				assertThat(close.code()).as(payload).isEqualTo(1007);
				assertThat(close.reason()).as(payload).isEqualTo(ChatHandlers.INVALID_DM);
			}
		}
		try (TestClient alice = connect("?room=dm&name=alice")) {
			alice.nextOfType("welcome");
			alice.sendMessage("dm", "\"bob\"");
			TestClient.Close close = alice.awaitClose();
			assertThat(close.code()).isEqualTo(1007);
			assertThat(close.reason()).contains("dm");
		}
	}

	private static JsonNode join(TestClient client, String room, String ref, Integer history) {
		client.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"" + ref + "\""
				+ ((history != null) ? ",\"history\":" + history : "") + "}");
		return client.nextMatching((frame) -> ref.equals(frame.path("ref").asText()) && room.equals(frame.path("room").asText()));
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
