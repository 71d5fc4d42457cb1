package io.github.pulse.rooms;

import java.net.URI;
import java.util.List;

import tools.jackson.databind.JsonNode;
import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.PulseServer;
import io.github.pulse.test.TestClient;
import io.github.pulse.test.TestClient.Close;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
 * Client-side joins and leaves on the wire, with the rules of {@code pulse.rooms.*}: each answer, each refusal and
 * each malformed request, and that a refusal leaves the session and its other connections as they were.
 */
@SpringBootTest(classes = ClientJoinIntegrationTests.JoinApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "pulse.rooms.client-join=chat-*,news", "pulse.rooms.client-join-excluded=chat-secret*",
				"pulse.rooms.max-per-connection=3" })
class ClientJoinIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	PulseServer server;

	TestClient connect(String query) {
		TestClient client = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?" + query));
		client.nextOfType("welcome");
		return client;
	}

	TestClient connect() {
		return connect("room=home");
	}

	static String join(String room, String ref) {
		return "{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"" + ref + "\"}";
	}

	static String leave(String room, String ref) {
		return "{\"type\":\"leave\",\"room\":\"" + room + "\",\"ref\":\"" + ref + "\"}";
	}

	/** The session still works: it still gets what is broadcast to its first room. */
	void assertStillOpen(TestClient client) {
		this.server.broadcast("home", "still-here", 1);
		assertThat(client.nextMatching((f) -> "still-here".equals(f.path("event").asText())).path("room").asText())
			.isEqualTo("home");
	}

	@Test
	void anAllowedJoinIsAnsweredJoinedNumberedInSeqAndThenTheRoomsBroadcastsArrive() {
		try (TestClient client = connect()) {
			client.send(join("chat-1", "1"));
			JsonNode joined = client.nextOfType("joined");
			assertThat(joined.path("room").asText()).isEqualTo("chat-1");
			assertThat(joined.path("ref").asText()).isEqualTo("1");
			assertThat(joined.path("seq").asLong()).isEqualTo(1);
			assertThat(joined.has("reason")).isFalse();
			// a client that read joined is a member: a broadcast made now reaches it
			assertThat(this.server.broadcast("chat-1", "hello", "x")).isOne();
			JsonNode message = client.nextOfType("message");
			assertThat(message.path("room").asText()).isEqualTo("chat-1");
			assertThat(message.path("seq").asLong()).isEqualTo(2);
		}
	}

	@Test
	void whenTheClientReadsJoinedTheServerCountsItAMemberAndWhenItReadsLeftNoLonger() {
		try (TestClient client = connect()) {
			for (int i = 0; i < 200; i++) {
				client.send(join("chat-cycle", "j" + i));
				assertThat(client.nextOfType("joined").path("ref").asText()).isEqualTo("j" + i);
				assertThat(this.server.connections("chat-cycle")).as("members after joined %d", i).hasSize(1);
				client.send(leave("chat-cycle", "l" + i));
				assertThat(client.nextOfType("left").path("ref").asText()).isEqualTo("l" + i);
				assertThat(this.server.connections("chat-cycle")).as("members after left %d", i).isEmpty();
			}
		}
	}

	@Test
	void joiningARoomOneIsInAlreadyIsAnsweredJoinedWithoutAsking() {
		try (TestClient client = connect()) {
			// home matches no pattern, but the server put the connection there
			client.send(join("home", "again"));
			JsonNode joined = client.nextOfType("joined");
			assertThat(joined.path("room").asText()).isEqualTo("home");
			assertThat(joined.path("ref").asText()).isEqualTo("again");
		}
	}

	@ParameterizedTest(name = "join of {0} is refused: {1}")
	@CsvSource({ "lobby,forbidden", "chat-secret-1,forbidden", "chat-secret,forbidden", "news2,forbidden",
			"'bad room',invalid room", "'',invalid room", "'a/b',invalid room" })
	void aRefusedJoinIsAnsweredJoinFailedWithItsReasonAndNothingElseChanges(String room, String reason) {
		try (TestClient client = connect()) {
			client.send(join(room, "r"));
			JsonNode failed = client.nextOfType("joinFailed");
			assertThat(failed.path("room").asText()).isEqualTo(room);
			assertThat(failed.path("ref").asText()).isEqualTo("r");
			assertThat(failed.path("reason").asText()).isEqualTo(reason);
			assertThat(failed.path("seq").asLong()).isEqualTo(1);
			assertThat(this.server.rooms()).doesNotContain(room);
			assertStillOpen(client);
		}
	}

	@Test
	void aRoomNameOfMoreThan128CharactersIsAnInvalidRoom() {
		try (TestClient client = connect()) {
			client.send(join("chat-" + "x".repeat(124), "long"));
			assertThat(client.nextOfType("joinFailed").path("reason").asText()).isEqualTo("invalid room");
			client.send(join("chat-" + "x".repeat(123), "fits"));
			assertThat(client.nextOfType("joined").path("ref").asText()).isEqualTo("fits");
		}
	}

	@Test
	void aJoinBeyondTheLimitIsTooManyRoomsCountingTheRoomsTheServerJoinedAndALeaveMakesRoom() {
		try (TestClient client = connect()) {
			client.send(join("chat-a", "a")).send(join("chat-b", "b")).send(join("chat-c", "c"));
			assertThat(client.nextOfType("joined").path("ref").asText()).isEqualTo("a");
			assertThat(client.nextOfType("joined").path("ref").asText()).isEqualTo("b");
			JsonNode failed = client.nextOfType("joinFailed");
			assertThat(failed.path("ref").asText()).isEqualTo("c");
			assertThat(failed.path("reason").asText()).isEqualTo("too many rooms");
			// a room it may not join is forbidden, whatever the limit
			client.send(join("lobby", "l"));
			assertThat(client.nextOfType("joinFailed").path("reason").asText()).isEqualTo("forbidden");
			client.send(leave("chat-a", "out")).send(join("chat-c", "c2"));
			assertThat(client.nextOfType("left").path("ref").asText()).isEqualTo("out");
			assertThat(client.nextOfType("joined").path("ref").asText()).isEqualTo("c2");
			assertStillOpen(client);
		}
	}

	@Test
	void aLeaveIsAnsweredLeftAfterWhichNoBroadcastOfTheRoomArrives() {
		try (TestClient client = connect()) {
			client.send(join("news", "j"));
			client.nextOfType("joined");
			client.send(leave("news", "l"));
			JsonNode left = client.nextOfType("left");
			assertThat(left.path("room").asText()).isEqualTo("news");
			assertThat(left.path("ref").asText()).isEqualTo("l");
			assertThat(left.path("seq").asLong()).isEqualTo(2);
			assertThat(this.server.broadcast("news", "late", 1)).isZero();
			assertStillOpen(client);
			assertThat(client.history()).noneMatch((f) -> "late".equals(f.path("event").asText()));
		}
	}

	@Test
	void aClientMayLeaveARoomTheServerPutItIn() {
		try (TestClient client = connect()) {
			client.send(leave("home", "h"));
			assertThat(client.nextOfType("left").path("room").asText()).isEqualTo("home");
			await().until(() -> this.server.connections("home").isEmpty());
		}
	}

	@Test
	void leavingARoomOneIsNotInIsAnsweredLeftAndNothingElseChanges() {
		try (TestClient client = connect()) {
			client.send(leave("chat-never", "n"));
			JsonNode left = client.nextOfType("left");
			assertThat(left.path("room").asText()).isEqualTo("chat-never");
			assertThat(left.path("ref").asText()).isEqualTo("n");
			assertStillOpen(client);
		}
	}

	@ParameterizedTest(name = "{0} closes with 1007: {1}")
	@CsvSource(delimiter = '|', value = {
			"{\"type\":\"join\",\"room\":\"chat-1\"}|missing ref",
			"{\"type\":\"join\",\"room\":\"chat-1\",\"ref\":\"\"}|ref must be 1 to 64 characters",
			"{\"type\":\"join\",\"room\":\"chat-1\",\"ref\":\"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\"}|ref must be 1 to 64 characters",
			"{\"type\":\"join\",\"room\":\"chat-1\",\"ref\":7}|ref must be a string",
			"{\"type\":\"join\",\"ref\":\"1\"}|missing room",
			"{\"type\":\"join\",\"room\":null,\"ref\":\"1\"}|room must be a string",
			"{\"type\":\"join\",\"room\":[\"chat-1\"],\"ref\":\"1\"}|room must be a string",
			"{\"type\":\"leave\",\"room\":\"chat-1\"}|missing ref",
			"{\"type\":\"leave\",\"room\":\"chat-1\",\"ref\":\"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\"}|ref must be 1 to 64 characters",
			"{\"type\":\"leave\",\"ref\":\"1\"}|missing room",
			"{\"type\":\"leave\",\"room\":5,\"ref\":\"1\"}|room must be a string",
			"{\"type\":\"leave\",\"room\":\"no room\",\"ref\":\"1\"}|room must match [A-Za-z0-9._:-]{1,128}" })
	void aMalformedJoinOrLeaveClosesWith1007NamingTheFieldAndTheRoomLosesNothing(String frame, String reason) {
		try (TestClient bystander = connect(); TestClient client = connect()) {
			client.send(frame);
			Close close = client.awaitClose();
			assertThat(close.code()).isEqualTo(1007);
			assertThat(close.reason()).isEqualTo(reason);
			assertThat(client.history()).noneMatch((f) -> f.path("type").asText().matches("joined|joinFailed|left"));
			assertThat(this.server.rooms()).doesNotContain("chat-1");
			assertStillOpen(bystander);
		}
	}

	@Test
	void aRefOf64CharactersComesBack() {
		try (TestClient client = connect()) {
			String ref = "r".repeat(64);
			client.send(join("chat-64", ref));
			assertThat(client.nextOfType("joined").path("ref").asText()).isEqualTo(ref);
		}
	}

	@Test
	void aRoomFieldInAMessageFrameIsStillAnUnknownFieldWhateverItsValue() {
		try (TestClient client = connect()) {
			client.send("{\"type\":\"message\",\"event\":\"x\",\"room\":{\"a\":[1]}}");
			assertStillOpen(client);
		}
	}

	@Test
	void anAnswerQueuedWhileTheSessionIsSuspendedIsReplayedOnResumeAndTheRoomIsKept() {
		TestClient first = connect();
		String token = first.history().get(0).path("resumeToken").asText();
		first.send(join("chat-r", "1"));
		assertThat(first.nextOfType("joined").path("seq").asLong()).isEqualTo(1);
		first.abort();
		await().until(() -> this.server.suspendedCount() > 0);
		this.server.broadcast("chat-r", "while-away", 1);
		try (TestClient resumed = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?resume="
				+ token + "&lastSeq=0"))) {
			assertThat(resumed.nextOfType("resumed").path("replayed").asInt()).isEqualTo(2);
			JsonNode joined = resumed.next();
			assertThat(joined.path("type").asText()).isEqualTo("joined");
			assertThat(joined.path("seq").asLong()).isEqualTo(1);
			JsonNode message = resumed.next();
			assertThat(message.path("event").asText()).isEqualTo("while-away");
			assertThat(message.path("seq").asLong()).isEqualTo(2);
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class JoinApplication {

		@Bean
		PulseConnectHandler connectHandler() {
			return (request) -> ConnectDecision.accept(List.of(String.valueOf(request.queryParam("room"))));
		}

	}

}
