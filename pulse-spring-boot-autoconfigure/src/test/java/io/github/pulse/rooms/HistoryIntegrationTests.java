package io.github.pulse.rooms;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.PulseServer;
import io.github.pulse.test.PacedBroadcaster;
import io.github.pulse.test.TestClient;
import io.github.pulse.test.TestClient.Close;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Room history on one node, on the wire: a join that asks for it gets {@code joined} with the count of the frames
 * of history that follow, those frames oldest first with {@code "history":true}, then the live frames, with no gap
 * and no duplicate between the two, also while the room is broadcast to; and each bad {@code history} value.
 */
@SpringBootTest(classes = HistoryIntegrationTests.HistoryApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "pulse.rooms.client-join=chat-*,plain-*", "pulse.rooms.history=chat-*",
				"pulse.rooms.history-size=5", "pulse.rooms.presence=chat-p*",
				// the concurrent case checks history against live frames: no frame may be dropped for a full buffer
				"pulse.buffer.send-frames=8192", "pulse.buffer.send-bytes=16MB", "pulse.resume.buffer-frames=8192",
				"pulse.resume.buffer-bytes=16MB" })
class HistoryIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	PulseServer server;

	TestClient connect(String query) {
		TestClient client = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?" + query));
		client.nextOfType("welcome");
		return client;
	}

	static String join(String room, String ref, String history) {
		return "{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"" + ref + "\",\"history\":" + history + "}";
	}

	void broadcast(String room, int from, int to) {
		for (int i = from; i < to; i++) {
			this.server.broadcast(room, "chat", i);
		}
	}

	@Test
	void aJoinThatAsksForHistoryGetsTheCountThenTheMostRecentFramesOldestFirstThenLiveOnes() {
		// kept while the room has no member at all
		broadcast("chat-a", 0, 7);
		try (TestClient client = connect("room=home")) {
			client.send(join("chat-a", "1", "3"));
			JsonNode joined = client.nextOfType("joined");
			assertThat(joined.path("history").asInt()).isEqualTo(3);
			assertThat(joined.path("seq").asLong()).isEqualTo(1);
			for (int i = 4; i < 7; i++) {
				JsonNode frame = client.next();
				assertThat(frame.path("type").asText()).isEqualTo("message");
				assertThat(frame.path("history").asBoolean()).isTrue();
				assertThat(frame.path("room").asText()).isEqualTo("chat-a");
				assertThat(frame.path("event").asText()).isEqualTo("chat");
				assertThat(frame.path("payload").asInt()).isEqualTo(i);
				assertThat(frame.path("seq").asLong()).isEqualTo(i - 2);
			}
			broadcast("chat-a", 7, 8);
			JsonNode live = client.next();
			assertThat(live.path("payload").asInt()).isEqualTo(7);
			assertThat(live.has("history")).isFalse();
			assertThat(live.path("seq").asLong()).isEqualTo(5);
		}
	}

	@Test
	void theAnswerAndTheHistoryAreReplayedOnResumeLikeAnyFrame() {
		broadcast("chat-r", 0, 2);
		TestClient first = connect("room=home");
		String token = first.history().get(0).path("resumeToken").asText();
		// the transport drops right after the request: the answer and the history wait in the resume buffer
		first.send(join("chat-r", "1", "2"));
		assertThat(first.nextOfType("joined").path("history").asInt()).isEqualTo(2);
		first.abort();
		org.awaitility.Awaitility.await().until(() -> this.server.suspendedCount() > 0);
		broadcast("chat-r", 2, 3);
		try (TestClient resumed = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?resume="
				+ token + "&lastSeq=0"))) {
			assertThat(resumed.nextOfType("resumed").path("replayed").asInt()).isEqualTo(4);
			assertThat(resumed.next().path("history").asInt()).isEqualTo(2);
			for (int i = 0; i < 3; i++) {
				JsonNode frame = resumed.next();
				assertThat(frame.path("payload").asInt()).isEqualTo(i);
				assertThat(frame.path("history").asBoolean()).isEqualTo(i < 2);
				assertThat(frame.path("seq").asLong()).isEqualTo(i + 2);
			}
		}
	}

	@Test
	void askingForMoreThanTheRoomKeepsGetsWhatItKeeps() {
		broadcast("chat-b", 0, 9);
		try (TestClient client = connect("room=home")) {
			client.send(join("chat-b", "1", "1000"));
			assertThat(client.nextOfType("joined").path("history").asInt()).isEqualTo(5);
			for (int i = 4; i < 9; i++) {
				assertThat(client.next().path("payload").asInt()).isEqualTo(i);
			}
		}
	}

	@Test
	void aJoinThatAsksForNoHistoryGetsNoCountAndNoFrames() {
		broadcast("chat-c", 0, 3);
		try (TestClient client = connect("room=home")) {
			client.send("{\"type\":\"join\",\"room\":\"chat-c\",\"ref\":\"1\"}");
			assertThat(client.nextOfType("joined").has("history")).isFalse();
			client.send(join("chat-c2", "2", "0"));
			assertThat(client.nextOfType("joined").has("history")).isFalse();
			broadcast("chat-c", 3, 4);
			JsonNode live = client.next();
			assertThat(live.path("payload").asInt()).isEqualTo(3);
			assertThat(live.has("history")).isFalse();
		}
	}

	@Test
	void aRoomWithoutHistoryAnswersThatNoneFollows() {
		broadcast("plain-1", 0, 3);
		try (TestClient client = connect("room=home")) {
			client.send(join("plain-1", "1", "5"));
			assertThat(client.nextOfType("joined").path("history").asInt()).isZero();
			broadcast("plain-1", 3, 4);
			assertThat(client.next().path("payload").asInt()).isEqualTo(3);
		}
	}

	@Test
	void aMemberAskingAgainGetsNoHistoryItHadTheFramesLive() {
		try (TestClient client = connect("room=home")) {
			client.send(join("chat-d", "1", "5"));
			assertThat(client.nextOfType("joined").path("history").asInt()).isZero();
			broadcast("chat-d", 0, 2);
			assertThat(client.next().path("payload").asInt()).isZero();
			assertThat(client.next().path("payload").asInt()).isOne();
			client.send(join("chat-d", "2", "5"));
			JsonNode again = client.next();
			assertThat(again.path("type").asText()).isEqualTo("joined");
			assertThat(again.path("history").asInt()).isZero();
		}
	}

	@Test
	void aRoomWithPresenceAndHistoryAnswersWithTheViewAndTheCount() {
		broadcast("chat-p1", 0, 2);
		try (TestClient alice = connect("room=home&user=alice")) {
			alice.send(join("chat-p1", "1", "5"));
			JsonNode joined = alice.nextOfType("joined");
			assertThat(joined.path("history").asInt()).isEqualTo(2);
			assertThat(joined.path("presence").get(0).path("user").asText()).isEqualTo("alice");
			assertThat(alice.next().path("payload").asInt()).isZero();
			assertThat(alice.next().path("payload").asInt()).isOne();
		}
	}

	@ParameterizedTest(name = "history {0} closes with 1007")
	@ValueSource(strings = { "-1", "1001", "\"5\"", "2.5", "null", "true", "[5]", "99999999999999999999" })
	void aBadHistoryValueClosesWith1007NamingTheFieldAndNothingElseChanges(String value) {
		broadcast("chat-e", 0, 2);
		try (TestClient bystander = connect("room=home"); TestClient client = connect("room=home")) {
			bystander.send(join("chat-e", "b", "2"));
			assertThat(bystander.nextOfType("joined").path("history").asInt()).isEqualTo(2);
			client.send(join("chat-e", "1", value));
			Close close = client.awaitClose();
			assertThat(close.code()).isEqualTo(1007);
			assertThat(close.reason()).isEqualTo("history must be an integer from 0 to 1000");
			assertThat(client.history()).noneMatch((f) -> f.path("type").asText().equals("joined"));
			assertThat(this.server.connections("chat-e")).hasSize(1);
			// the bystander's history and live frames are as they were
			assertThat(bystander.next().path("payload").asInt()).isZero();
			assertThat(bystander.next().path("payload").asInt()).isOne();
			broadcast("chat-e", 2, 3);
			assertThat(bystander.next().path("payload").asInt()).isEqualTo(2);
		}
	}

	@Test
	void aHistoryFieldInAMessageOrLeaveFrameIsAnUnknownFieldWhateverItsValue() {
		try (TestClient client = connect("room=home")) {
			client.send("{\"type\":\"message\",\"event\":\"x\",\"history\":\"no\"}");
			client.send("{\"type\":\"leave\",\"room\":\"chat-f\",\"ref\":\"1\",\"history\":-3}");
			assertThat(client.nextOfType("left").path("ref").asText()).isEqualTo("1");
		}
	}

	/**
	 * Joins while the room is broadcast to: for each joining client, the payloads of its history and then of its
	 * live frames are consecutive numbers (no gap, no duplicate), and the history is as long as the room kept.
	 */
	@Test
	void historyEndsWhereLiveFramesBeginWhileTheRoomIsBroadcastTo() throws Exception {
		List<TestClient> joined = new ArrayList<>();
		try (PacedBroadcaster publisher = new PacedBroadcaster((n) -> this.server.broadcast("chat-live", "chat", n),
				200)) {
			await().until(() -> publisher.sent() > 10);
			for (int i = 0; i < 30; i++) {
				TestClient client = connect("room=home");
				joined.add(client);
				client.send(join("chat-live", "j" + i, "5"));
			}
			int last = publisher.finish();
			// the publisher ran well ahead of every join: each found the room full
			for (int c = 0; c < joined.size(); c++) {
				PacedBroadcaster.assertHistoryThenLive(joined.get(c), 5, last, "client " + c);
			}
		}
		finally {
			joined.forEach(TestClient::close);
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class HistoryApplication {

		@Bean
		PulseConnectHandler connectHandler() {
			return (request) -> {
				ConnectDecision decision = ConnectDecision.accept(List.of(String.valueOf(request.queryParam("room"))));
				String user = request.queryParam("user");
				return (user != null) ? decision.withUser(user) : decision;
			};
		}

	}

}
