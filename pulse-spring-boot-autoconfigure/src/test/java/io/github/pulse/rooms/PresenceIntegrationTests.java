package io.github.pulse.rooms;

import java.net.URI;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionState;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.PulseServer;
import io.github.pulse.test.TestClient;
import org.junit.jupiter.api.Test;
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
 * Presence on the wire with a real server and real WebSocket clients: the view in {@code joined}, first join and
 * last leave of a user with two tabs, a resume that costs no event, an expiry, a kick, and presence frames
 * replayed to a member that resumes.
 */
@SpringBootTest(classes = PresenceIntegrationTests.PresenceApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "pulse.rooms.client-join=chat-*,plain",
				"pulse.rooms.presence=chat-*", "pulse.resume.window=2s" })
class PresenceIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	PulseServer server;

	TestClient connect(String user) {
		TestClient client = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?user=" + user));
		client.nextOfType("welcome");
		return client;
	}

	static JsonNode join(TestClient client, String room) {
		client.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"j\"}");
		return client.nextOfType("joined");
	}

	static String token(TestClient client) {
		return client.history().get(0).path("resumeToken").asText();
	}

	/** The view in a joined answer, as user to connections. */
	static Map<String, Integer> view(JsonNode joined) {
		Map<String, Integer> view = new java.util.LinkedHashMap<>();
		joined.path("presence").forEach((entry) -> view.put(entry.path("user").asText(),
				entry.path("connections").asInt()));
		return view;
	}

	/** The next presence frame or marker broadcast the client gets, as "joined bob", "left bob" or "marker". */
	String nextPresenceOrMarker(TestClient client, String room) {
		JsonNode frame = client.nextMatching((f) -> "presence".equals(f.path("type").asText())
				|| "marker".equals(f.path("event").asText()));
		if (frame.has("event")) {
			return "marker";
		}
		assertThat(frame.path("room").asText()).isEqualTo(room);
		return frame.has("joined") ? "joined " + frame.path("joined").path("user").asText()
				: "left " + frame.path("left").path("user").asText();
	}

	@Test
	void aUsersFirstTabJoiningAndItsLastLeavingAreToldAndTheJoinedAnswerCarriesTheView() {
		try (TestClient watcher = connect("wendy"); TestClient tab1 = connect("bob"); TestClient tab2 = connect("bob")) {
			assertThat(view(join(watcher, "chat-tabs"))).containsExactly(Map.entry("wendy", 1));
			JsonNode first = join(tab1, "chat-tabs");
			assertThat(view(first)).containsExactly(Map.entry("wendy", 1), Map.entry("bob", 1));
			assertThat(nextPresenceOrMarker(watcher, "chat-tabs")).isEqualTo("joined bob");
			assertThat(view(join(tab2, "chat-tabs"))).containsExactly(Map.entry("wendy", 1), Map.entry("bob", 2));
			assertThat(this.server.presence("chat-tabs")).containsExactly(Map.entry("wendy", 1), Map.entry("bob", 2));
			// the second tab's join and the first's leave are not news to the room
			tab1.send("{\"type\":\"leave\",\"room\":\"chat-tabs\",\"ref\":\"l\"}");
			tab1.nextOfType("left");
			this.server.broadcast("chat-tabs", "marker", 1);
			assertThat(nextPresenceOrMarker(watcher, "chat-tabs")).isEqualTo("marker");
			// tab2 is still a member and was told of nothing either: joined came with its view
			assertThat(nextPresenceOrMarker(tab2, "chat-tabs")).isEqualTo("marker");
			tab2.close();
			assertThat(nextPresenceOrMarker(watcher, "chat-tabs")).isEqualTo("left bob");
			assertThat(this.server.presence("chat-tabs")).containsExactly(Map.entry("wendy", 1));
		}
	}

	@Test
	void aPresenceFrameIsNumberedInSeqAndARoomWithoutPresenceHasNone() {
		try (TestClient watcher = connect("wendy"); TestClient bob = connect("bob")) {
			JsonNode joined = join(watcher, "plain");
			assertThat(joined.has("presence")).isFalse();
			join(bob, "plain");
			join(watcher, "chat-seq");
			join(bob, "chat-seq");
			JsonNode presence = watcher.nextOfType("presence");
			assertThat(presence.path("seq").asLong()).isEqualTo(3);
			assertThat(presence.path("joined").path("user").asText()).isEqualTo("bob");
			assertThat(this.server.presence("plain")).isEmpty();
		}
	}

	@Test
	void aConnectionWithoutAUserGetsTheViewAndTheEventsButIsNotInPresence() {
		try (TestClient alice = connect("alice");
				TestClient anonymous = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?nouser=1"))) {
			assertThat(anonymous.nextOfType("welcome").has("user")).isFalse();
			join(alice, "chat-anonymous");
			assertThat(view(join(anonymous, "chat-anonymous"))).containsExactly(Map.entry("alice", 1));
			assertThat(this.server.presence("chat-anonymous")).containsExactly(Map.entry("alice", 1));
			try (TestClient bob = connect("bob")) {
				join(bob, "chat-anonymous");
				assertThat(nextPresenceOrMarker(anonymous, "chat-anonymous")).isEqualTo("joined bob");
				assertThat(nextPresenceOrMarker(alice, "chat-anonymous")).isEqualTo("joined bob");
			}
			assertThat(nextPresenceOrMarker(anonymous, "chat-anonymous")).isEqualTo("left bob");
		}
	}

	/** Bob joins a room the watcher is in, and the watcher is told; bob's transport then drops. */
	TestClient bobJoinsAndDrops(TestClient watcher, String room) {
		join(watcher, room);
		TestClient bob = connect("bob");
		join(bob, room);
		assertThat(nextPresenceOrMarker(watcher, room)).isEqualTo("joined bob");
		String bobId = bob.history().get(0).path("connectionId").asText();
		bob.abort();
		await().until(() -> this.server.connection(bobId).state() == ConnectionState.SUSPENDED);
		assertThat(this.server.presence(room)).containsKey("bob");
		return bob;
	}

	@Test
	void aDroppedTransportThatResumesCostsNoEvent() {
		try (TestClient watcher = connect("wendy")) {
			TestClient bob = bobJoinsAndDrops(watcher, "chat-resume");
			try (TestClient resumed = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?resume="
					+ token(bob) + "&lastSeq=1"))) {
				resumed.nextOfType("resumed");
				this.server.broadcast("chat-resume", "marker", 1);
				assertThat(nextPresenceOrMarker(watcher, "chat-resume")).isEqualTo("marker");
				assertThat(this.server.presence("chat-resume")).containsExactly(Map.entry("wendy", 1),
						Map.entry("bob", 1));
			}
			assertThat(nextPresenceOrMarker(watcher, "chat-resume")).isEqualTo("left bob");
		}
	}

	@Test
	void aSessionWhoseResumeWindowElapsesLeaves() {
		try (TestClient watcher = connect("wendy")) {
			bobJoinsAndDrops(watcher, "chat-expiry");
			// still present while suspended (checked above); left once the window (2 s) elapsed
			assertThat(nextPresenceOrMarker(watcher, "chat-expiry")).isEqualTo("left bob");
			assertThat(this.server.presence("chat-expiry")).containsOnlyKeys("wendy");
			assertThat(this.server.connectionsOf("bob")).isEmpty();
		}
	}

	@Test
	void aKickedUserLeaves() {
		try (TestClient watcher = connect("wendy"); TestClient bob = connect("bob")) {
			join(watcher, "chat-kick");
			join(bob, "chat-kick");
			assertThat(nextPresenceOrMarker(watcher, "chat-kick")).isEqualTo("joined bob");
			assertThat(this.server.kick(bob.history().get(0).path("connectionId").asText())).isTrue();
			assertThat(nextPresenceOrMarker(watcher, "chat-kick")).isEqualTo("left bob");
			assertThat(bob.awaitClose().code()).isEqualTo(4000);
		}
	}

	@Test
	void presenceFramesAMemberMissedWhileSuspendedAreReplayedOnResume() {
		TestClient watcher = connect("wendy");
		join(watcher, "chat-replay");
		String watcherId = watcher.history().get(0).path("connectionId").asText();
		watcher.abort();
		await().until(() -> this.server.connection(watcherId).state() == ConnectionState.SUSPENDED);
		try (TestClient bob = connect("bob")) {
			join(bob, "chat-replay");
			try (TestClient resumed = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?resume="
					+ token(watcher) + "&lastSeq=1"))) {
				assertThat(resumed.nextOfType("resumed").path("replayed").asInt()).isOne();
				JsonNode presence = resumed.next();
				assertThat(presence.path("type").asText()).isEqualTo("presence");
				assertThat(presence.path("seq").asLong()).isEqualTo(2);
				assertThat(presence.path("joined").path("user").asText()).isEqualTo("bob");
			}
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class PresenceApplication {

		@Bean
		PulseConnectHandler connectHandler() {
			return (request) -> (request.queryParam("nouser") != null) ? ConnectDecision.accept(List.of()).withoutUser()
					: ConnectDecision.accept(List.of()).withUser(String.valueOf(request.queryParam("user")));
		}

	}

}
