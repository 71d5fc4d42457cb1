package io.github.pulse.core;

import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionState;
import io.github.pulse.PulseConnection;
import io.github.pulse.codec.JacksonPulseCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's index of users with in-memory transports and a hand-driven clock: who counts as a user's connection
 * through replacement, suspension, resume and expiry, and that the index holds nothing once sessions are gone.
 */
class UserIndexTests {

	private static final Duration WINDOW = Duration.ofSeconds(30);

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final SessionManager manager = new SessionManager(settings(), new JacksonPulseCodec(), List.of(),
			PulseObserver.NOOP, this.now::get);

	private static PulseSettings settings() {
		PulseSettings d = PulseSettings.defaults();
		return new PulseSettings(d.heartbeatInterval(), d.heartbeatTimeout(), d.writeTimeout(), null,
				Duration.ofMillis(100), d.sendBufferFrames(), d.sendBufferBytes(), d.overflowPolicy(), WINDOW,
				d.resumeBufferFrames(), d.resumeBufferBytes(), -1);
	}

	@AfterEach
	void stop() {
		this.manager.shutdown();
	}

	private PulseConnection open(FakeTransport transport, ConnectDecision decision, Principal principal) {
		return this.manager.open(transport, decision, principal, null, 0);
	}

	@Test
	void theUserIsThePrincipalsNameUnlessTheDecisionNamesOneOrNone() {
		Principal alice = () -> "alice";
		FakeTransport byPrincipal = new FakeTransport();
		assertThat(open(byPrincipal, ConnectDecision.accept(List.of()), alice).user()).isEqualTo("alice");
		assertThat(byPrincipal.texts.get(0)).contains("\"user\":\"alice\"");
		assertThat(open(new FakeTransport(), ConnectDecision.accept(List.of()).withUser("bob"), alice).user())
			.isEqualTo("bob");
		FakeTransport none = new FakeTransport();
		assertThat(open(none, ConnectDecision.accept(List.of()).withoutUser(), alice).user()).isNull();
		assertThat(none.texts.get(0)).doesNotContain("\"user\"");
		assertThat(this.manager.open(new FakeTransport(), ConnectDecision.accept(List.of()), null, null, 0).user())
			.isNull();
		assertThat(this.manager.connectionsOf("alice")).hasSize(1);
		assertThat(this.manager.connectionsOf("bob")).hasSize(1);
		assertThat(this.manager.userCount()).isEqualTo(2);
	}

	@Test
	void aReplacedConnectionLeavesItsUserAndTheNewOneTakesItsPlace() {
		PulseConnection first = open(new FakeTransport(), ConnectDecision.accept("tab", List.of()).withUser("u"), null);
		PulseConnection second = open(new FakeTransport(), ConnectDecision.accept("tab", List.of()).withUser("u"),
				null);
		assertThat(first.state()).isEqualTo(ConnectionState.CLOSED);
		assertThat(this.manager.connectionsOf("u")).containsExactly(second);
		PulseConnection other = open(new FakeTransport(), ConnectDecision.accept("tab", List.of()).withUser("v"),
				null);
		assertThat(this.manager.connectionsOf("u")).isEmpty();
		assertThat(this.manager.connectionsOf("v")).containsExactly(other);
		assertThat(this.manager.userCount()).isOne();
	}

	@Test
	void aSuspendedSessionCountsUntilItsWindowElapses() {
		FakeTransport transport = new FakeTransport();
		PulseConnection connection = open(transport, ConnectDecision.accept(List.of()).withUser("u"), null);
		this.manager.onTransportError(connection, transport);
		assertThat(connection.state()).isEqualTo(ConnectionState.SUSPENDED);
		assertThat(this.manager.connectionsOf("u")).containsExactly(connection);
		assertThat(this.manager.sendToUser("u", "while-away", 1)).isOne();
		this.now.addAndGet(WINDOW.toNanos() + 1);
		this.manager.tick();
		assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
		assertThat(this.manager.connectionsOf("u")).isEmpty();
		assertThat(this.manager.userCount()).isZero();
		assertThat(this.manager.sendToUser("u", "late", 1)).isZero();
	}

	@Test
	void aResumedSessionKeepsItsUserWhateverTheConnectHandlerSaysThen() {
		FakeTransport transport = new FakeTransport();
		PulseConnection connection = open(transport, ConnectDecision.accept(List.of()).withUser("u"), null);
		String token = welcomeToken(transport);
		this.manager.onTransportError(connection, transport);
		FakeTransport again = new FakeTransport();
		PulseConnection resumed = this.manager.open(again, ConnectDecision.accept(List.of()).withUser("other"), null,
				token, 0);
		assertThat(resumed).isSameAs(connection);
		assertThat(resumed.user()).isEqualTo("u");
		assertThat(this.manager.connectionsOf("u")).containsExactly(connection);
		assertThat(this.manager.connectionsOf("other")).isEmpty();
	}

	@Test
	void sendToUserReachesEveryConnectionOfTheUserAndNoOther() {
		FakeTransport one = new FakeTransport();
		FakeTransport two = new FakeTransport();
		FakeTransport stranger = new FakeTransport();
		open(one, ConnectDecision.accept(List.of()).withUser("u"), null);
		open(two, ConnectDecision.accept(List.of()).withUser("u"), null);
		open(stranger, ConnectDecision.accept(List.of()).withUser("s"), null);
		assertThat(this.manager.sendToUser("u", "dm", "hi")).isEqualTo(2);
		assertThat(this.manager.sendToUser("nobody", "dm", "hi")).isZero();
		assertThat(one.texts).last().asString().contains("\"event\":\"dm\"").doesNotContain("\"room\"");
		assertThat(two.texts).last().asString().contains("\"event\":\"dm\"");
		assertThat(stranger.texts).noneMatch((text) -> text.contains("\"dm\""));
	}

	@Test
	void everyEndingEmptiesTheIndex() {
		for (int i = 0; i < 50; i++) {
			FakeTransport transport = new FakeTransport();
			PulseConnection connection = open(transport, ConnectDecision.accept(List.of("r")).withUser("u" + (i % 7)),
					null);
			switch (i % 3) {
				case 0 -> connection.close();
				case 1 -> this.manager.kick(connection.id());
				default -> this.manager.onTransportClosed(connection, transport, new io.github.pulse.PulseCloseStatus(
						1000, ""));
			}
		}
		assertThat(this.manager.userCount()).isZero();
	}

	private static String welcomeToken(FakeTransport transport) {
		String welcome = transport.texts.get(0);
		int start = welcome.indexOf("\"resumeToken\":\"") + "\"resumeToken\":\"".length();
		return welcome.substring(start, welcome.indexOf('"', start));
	}

}
