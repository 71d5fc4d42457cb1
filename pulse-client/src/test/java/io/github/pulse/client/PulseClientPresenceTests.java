package io.github.pulse.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Presence in the Java client against the real server: the view from the {@code joined} answer,
 * {@link PulseClientListener#onPresence} for the other users' first join and last leave, and the view kept up to
 * date by them.
 */
class PulseClientPresenceTests {

	static PulseTestServer server;

	@BeforeAll
	static void startServer() {
		server = PulseTestServer.startWith(new Class<?>[] { PrincipalFromHeaderConfiguration.class },
				"pulse.rooms.client-join=chat-*", "pulse.rooms.presence=chat-*");
	}

	@AfterAll
	static void stopServer() throws Exception {
		server.close();
	}

	static PulseClient connect(String user, PulseClientListener listener) {
		PulseClient client = PulseClient.builder(server.url("?room=home"))
			.header("X-User", user)
			.backoff(Duration.ofMillis(5), Duration.ofMillis(50), 2, 0.5)
			.listener(listener)
			.connect();
		client.opened().join();
		return client;
	}

	@Test
	void theViewComesWithTheJoinAndFollowsTheOtherUsersArrivalsAndDepartures() throws Exception {
		List<PresenceEvent> seenByAlice = new CopyOnWriteArrayList<>();
		List<PresenceEvent> seenByBob = new CopyOnWriteArrayList<>();
		try (PulseClient alice = connect("alice", new PulseClientListener() {
			@Override
			public void onPresence(PresenceEvent event) {
				seenByAlice.add(event);
			}
		})) {
			alice.join("chat-p").get(10, TimeUnit.SECONDS);
			assertThat(alice.presence("chat-p")).containsExactly("alice");
			try (PulseClient bob = connect("bob", new PulseClientListener() {
				@Override
				public void onPresence(PresenceEvent event) {
					seenByBob.add(event);
				}
			}); PulseClient bobAgain = connect("bob", new PulseClientListener() {
			})) {
				bob.join("chat-p").get(10, TimeUnit.SECONDS);
				assertThat(bob.presence("chat-p")).containsExactly("alice", "bob");
				await().until(() -> seenByAlice.size() == 1);
				assertThat(seenByAlice).containsExactly(new PresenceEvent("chat-p", "bob", true));
				assertThat(alice.presence("chat-p")).containsExactly("alice", "bob");
				// bob's second connection is not news; its leave neither
				bobAgain.join("chat-p").get(10, TimeUnit.SECONDS);
				bobAgain.leave("chat-p").get(10, TimeUnit.SECONDS);
				assertThat(bobAgain.presence("chat-p")).isEmpty();
				bob.leave("chat-p").get(10, TimeUnit.SECONDS);
				await().until(() -> seenByAlice.size() == 2);
				assertThat(seenByAlice.get(1)).isEqualTo(new PresenceEvent("chat-p", "bob", false));
				assertThat(alice.presence("chat-p")).containsExactly("alice");
				assertThat(seenByBob).isEmpty();
			}
		}
	}

}
