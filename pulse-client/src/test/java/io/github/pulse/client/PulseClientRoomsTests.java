package io.github.pulse.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.pulse.PulseConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link PulseClient#join} and {@link PulseClient#leave} against the real server: answers and refusals, the
 * client's rooms kept through a resume and joined again after a fresh session, and {@link PulseClient#user()}.
 */
class PulseClientRoomsTests {

	private static final String[] RULES = { "pulse.heartbeat.interval=60s", "pulse.heartbeat.timeout=50s",
			"pulse.rooms.client-join=chat-*", "pulse.rooms.client-join-excluded=chat-admin*",
			"pulse.rooms.max-per-connection=3", "pulse.rooms.history=chat-h*" };

	static PulseTestServer server;

	@BeforeAll
	static void startServer() {
		server = PulseTestServer.startWith(new Class<?>[] { PrincipalFromHeaderConfiguration.class }, RULES);
	}

	@AfterAll
	static void stopServer() throws Exception {
		server.close();
	}

	static PulseClient connect(PulseTestServer on, Recorder recorder) {
		PulseClient client = PulseClient.builder(on.url("?room=home"))
			.header("X-User", "zoe")
			.backoff(Duration.ofMillis(5), Duration.ofMillis(50), 2, 0.5)
			.listener(recorder)
			.connect();
		client.opened().join();
		on.awaitRegistered(client, "home");
		return client;
	}

	static PulseConnection session(PulseTestServer on, PulseClient client) {
		return on.pulse().connection(client.connectionId());
	}

	@Test
	void aJoinCompletesOnceJoinedAndTheRoomsBroadcastsArrive() throws Exception {
		Recorder recorder = new Recorder();
		try (PulseClient client = connect(server, recorder)) {
			client.join("chat-1").get(10, TimeUnit.SECONDS);
			assertThat(session(server, client).rooms()).contains("chat-1");
			assertThat(client.joinedRooms()).containsExactly("chat-1");
			assertThat(server.pulse().broadcast("chat-1", "hello", "all")).isOne();
			await().until(() -> recorder.messages.stream().anyMatch((m) -> "chat-1".equals(m.room())));
		}
	}

	@Test
	void aJoinWithHistoryGetsTheRoomsMostRecentBroadcastsMarkedHistoryThenLiveOnes() throws Exception {
		for (int i = 0; i < 4; i++) {
			server.pulse().broadcast("chat-h1", "before", i);
		}
		Recorder recorder = new Recorder();
		try (PulseClient client = connect(server, recorder)) {
			client.join("chat-h1", JoinOptions.defaults().withHistory(2)).get(10, TimeUnit.SECONDS);
			server.pulse().broadcast("chat-h1", "after", 4);
			await().until(() -> recorder.messages.size() == 3);
			assertThat(recorder.messages).extracting(ClientMessage::history).containsExactly(true, true, false);
			assertThat(recorder.messages).extracting((message) -> message.payload(Integer.class))
				.containsExactly(2, 3, 4);
		}
	}

	@Test
	void joinOptionsRefuseAHistoryOutOfRange() {
		assertThatThrownBy(() -> JoinOptions.defaults().withHistory(1001)).isInstanceOf(IllegalArgumentException.class)
			.hasMessage("Join history must be from 0 to 1000, got 1001");
		assertThatThrownBy(() -> JoinOptions.defaults().withHistory(-1)).isInstanceOf(IllegalArgumentException.class);
		assertThat(JoinOptions.defaults().history()).isZero();
	}

	@Test
	void aRefusedJoinFailsWithTheServersReason() {
		try (PulseClient client = connect(server, new Recorder())) {
			assertReason(client.join("lobby"), "forbidden");
			assertReason(client.join("chat-admins"), "forbidden");
			assertReason(client.join("not a room"), "invalid room");
			client.join("chat-a").join();
			client.join("chat-b").join();
			assertReason(client.join("chat-c"), "too many rooms");
			assertThat(client.joinedRooms()).containsExactly("chat-a", "chat-b");
			assertThat(client.state()).isEqualTo(ClientState.OPEN);
		}
	}

	private static void assertReason(CompletableFuture<Void> join, String reason) {
		assertThatThrownBy(() -> join.get(10, TimeUnit.SECONDS)).cause()
			.isInstanceOfSatisfying(JoinFailedException.class, (failed) -> assertThat(failed.reason()).isEqualTo(reason));
	}

	@Test
	void aLeaveCompletesOnceLeftAlsoForARoomTheServerPutTheClientIn() throws Exception {
		try (PulseClient client = connect(server, new Recorder())) {
			client.join("chat-l").get(10, TimeUnit.SECONDS);
			client.leave("chat-l").get(10, TimeUnit.SECONDS);
			assertThat(client.joinedRooms()).isEmpty();
			client.leave("home").get(10, TimeUnit.SECONDS);
			assertThat(session(server, client).rooms()).isEmpty();
			client.leave("chat-never").get(10, TimeUnit.SECONDS);
		}
	}

	@Test
	void theUserComesFromTheWelcome() {
		try (PulseClient client = connect(server, new Recorder())) {
			assertThat(client.user()).isEqualTo("zoe");
			assertThat(client.opened().join().user()).isEqualTo("zoe");
			assertThat(server.pulse().connectionsOf("zoe")).extracting(PulseConnection::id)
				.contains(client.connectionId());
		}
	}

	@Test
	void aResumeKeepsTheRoomsWithoutJoiningAgain() throws Exception {
		Recorder recorder = new Recorder();
		try (PulseClient client = connect(server, recorder)) {
			client.join("chat-r").get(10, TimeUnit.SECONDS);
			String id = client.connectionId();
			server.proxy().cutAll();
			await().until(() -> !recorder.restores.isEmpty());
			assertThat(recorder.restores.get(0).resumed()).isTrue();
			assertThat(client.connectionId()).isEqualTo(id);
			assertThat(session(server, client).rooms()).contains("chat-r");
			server.pulse().broadcast("chat-r", "after", 1);
			await().until(() -> recorder.messages.stream().anyMatch((m) -> "after".equals(m.event())));
			// no second join went out: only one answer was ever numbered
			assertThat(client.lastSeq()).isEqualTo(2);
		}
	}

	@Test
	void aJoinInFlightWhenTheTransportIsCutCompletesAfterTheResume() throws Exception {
		Recorder recorder = new Recorder();
		try (PulseClient client = connect(server, recorder)) {
			server.proxy().blackhole(true);
			CompletableFuture<Void> join = client.join("chat-f");
			server.proxy().cutAll();
			server.proxy().blackhole(false);
			join.get(10, TimeUnit.SECONDS);
			assertThat(session(server, client).rooms()).contains("chat-f");
		}
	}

	@Test
	void aFreshSessionJoinsTheClientsRoomsAgain() throws Exception {
		try (PulseTestServer noResume = PulseTestServer.startWith(new Class<?>[] { PrincipalFromHeaderConfiguration.class },
				append(RULES, "pulse.resume.window=0"))) {
			Recorder recorder = new Recorder();
			try (PulseClient client = connect(noResume, recorder)) {
				client.join("chat-x").get(10, TimeUnit.SECONDS);
				client.join("chat-y").get(10, TimeUnit.SECONDS);
				client.leave("chat-y").get(10, TimeUnit.SECONDS);
				String first = client.connectionId();
				noResume.proxy().cutAll();
				await().until(() -> recorder.opens.size() == 2);
				assertThat(client.connectionId()).isNotEqualTo(first);
				await().untilAsserted(() -> assertThat(session(noResume, client)).isNotNull()
					.satisfies((session) -> assertThat(session.rooms()).containsExactlyInAnyOrder("home", "chat-x")));
				assertThat(client.joinedRooms()).containsExactly("chat-x");
				noResume.pulse().broadcast("chat-x", "again", 1);
				await().until(() -> recorder.messages.stream().anyMatch((m) -> "again".equals(m.event())));
			}
		}
	}

	private static String[] append(String[] properties, String more) {
		String[] all = java.util.Arrays.copyOf(properties, properties.length + 1);
		all[properties.length] = more;
		return all;
	}

}
