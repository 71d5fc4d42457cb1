package io.github.pulse.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.codec.JacksonPulseCodec;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import io.github.pulse.PulseCloseStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inbound flood control and the resume failure limit, with in-memory transports and a hand-driven clock.
 */
class InboundLimitsTests {

	private static final String CHAT = "{\"type\":\"message\",\"event\":\"chat\",\"payload\":1}";

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final List<String> events = new CopyOnWriteArrayList<>();

	private final List<String> rejected = new CopyOnWriteArrayList<>();

	private final List<String> resumeOutcomes = new CopyOnWriteArrayList<>();

	private SessionManager manager;

	private SessionManager manager(PulseSettings settings) {
		PulseListener listener = new PulseListener() {
			@Override
			public void onMessage(PulseConnection connection, PulseMessage message) {
				InboundLimitsTests.this.events.add("message:" + connection.id());
			}

			@Override
			public void onDisconnect(PulseConnection connection, DisconnectReason reason,
					@Nullable PulseCloseStatus closeStatus) {
				InboundLimitsTests.this.events.add("disconnect:" + connection.id() + ":" + reason);
			}
		};
		PulseObserver observer = new PulseObserver() {
			@Override
			public void frameRejected(String cause) {
				InboundLimitsTests.this.rejected.add(cause);
			}

			@Override
			public void resumeAttempt(String outcome, int replayed) {
				InboundLimitsTests.this.resumeOutcomes.add(outcome);
			}
		};
		this.manager = new SessionManager(settings, new JacksonPulseCodec(), List.of(listener), observer,
				this.now::get);
		return this.manager;
	}

	@AfterEach
	void stop() {
		if (this.manager != null) {
			this.manager.shutdown();
		}
	}

	private void advance(Duration duration) {
		this.now.addAndGet(duration.toNanos());
		this.manager.tick();
	}

	@Test
	void burstIsAllowedThenTheRateAndTheFirstMessageBeyondClosesWith1008() {
		SessionManager manager = manager(PulseSettings.defaults().withInboundRate(10, 5));
		FakeTransport transport = new FakeTransport();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept("c1", List.of("lobby")), null,
				null, 0);
		for (int i = 0; i < 5; i++) {
			manager.onText(connection, transport, CHAT, CHAT.length());
		}
		// 10 per second: one more message every 100 ms
		advance(Duration.ofMillis(100));
		manager.onText(connection, transport, CHAT, CHAT.length());
		assertThat(connection.state()).isEqualTo(ConnectionState.OPEN);
		assertThat(this.events).hasSize(6);
		manager.onText(connection, transport, CHAT, CHAT.length());
		assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
		// the close frame is written from the engine's I/O executor
		Awaitility.await().until(() -> !transport.closes.isEmpty());
		assertThat(transport.closes).hasSize(1);
		assertThat(transport.closes.get(0).code()).isEqualTo(1008);
		assertThat(transport.closes.get(0).reason()).isEqualTo("rate limit exceeded");
		assertThat(this.events).endsWith("disconnect:c1:PROTOCOL_ERROR").filteredOn((e) -> e.startsWith("message"))
			.hasSize(6);
		assertThat(this.rejected).containsExactly("rate-limit");
	}

	@Test
	void steadyTrafficAtTheRateIsNeverLimited() {
		SessionManager manager = manager(PulseSettings.defaults().withInboundRate(50, 1));
		FakeTransport transport = new FakeTransport();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		for (int i = 0; i < 1000; i++) {
			manager.onText(connection, transport, "{\"type\":\"ping\"}", 15);
			this.now.addAndGet(Duration.ofMillis(20).toNanos());
		}
		assertThat(connection.state()).isEqualTo(ConnectionState.OPEN);
		assertThat(this.rejected).isEmpty();
	}

	@Test
	void withoutARateNothingIsLimited() {
		SessionManager manager = manager(PulseSettings.defaults());
		FakeTransport transport = new FakeTransport();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		for (int i = 0; i < 10_000; i++) {
			manager.onText(connection, transport, CHAT, CHAT.length());
		}
		assertThat(connection.state()).isEqualTo(ConnectionState.OPEN);
	}

	@Test
	void framesArrivingAfterTheRateLimitCloseAreNeitherDispatchedNorCountedAgain() {
		SessionManager manager = manager(PulseSettings.defaults().withInboundRate(1, 1));
		FakeTransport transport = new FakeTransport();
		transport.stall();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept("c2", List.of("lobby")), null,
				null, 0);
		for (int i = 0; i < 100; i++) {
			manager.onText(connection, transport, CHAT, CHAT.length());
		}
		assertThat(this.events).containsExactly("message:c2", "disconnect:c2:PROTOCOL_ERROR");
		assertThat(this.rejected).containsExactly("rate-limit");
		transport.release();
	}

	@Test
	void afterTooManyFailedResumesFromAnAddressEvenAValidTokenIsNotLookedAtUntilTheMinuteIsOver() {
		SessionManager manager = manager(PulseSettings.defaults().withResumeMaxFailuresPerMinute(3));
		FakeTransport first = new FakeTransport().from("10.0.0.1");
		PulseConnection victim = manager.open(first, ConnectDecision.accept("victim", List.of("lobby")), null, null,
				0);
		String token = SessionManagerTests.token(first.texts.get(0));
		manager.onTransportClosed(victim, first, PulseCloseStatus.NO_CLOSE_FRAME);
		for (int i = 0; i < 3; i++) {
			FakeTransport guess = new FakeTransport().from("10.6.6.6");
			manager.open(guess, ConnectDecision.accept(List.of("lobby")), null, "A".repeat(43), 0);
			assertThat(guess.texts.get(0)).contains("\"resumeFailed\":\"unknown\"");
		}
		assertThat(manager.isResumeBlocked(new java.net.InetSocketAddress("10.6.6.6", 1).getAddress())).isTrue();
		FakeTransport blocked = new FakeTransport().from("10.6.6.6");
		PulseConnection fresh = manager.open(blocked, ConnectDecision.accept(List.of("lobby")), null, token, 0);
		assertThat(fresh).isNotSameAs(victim);
		assertThat(blocked.texts.get(0)).contains("\"resumeFailed\":\"unknown\"");
		assertThat(this.resumeOutcomes).containsExactly("unknown", "unknown", "unknown", "rate-limited");
		// another address is not affected, and the token is still good
		FakeTransport owner = new FakeTransport().from("10.0.0.1");
		assertThat(manager.open(owner, ConnectDecision.accept(List.of("lobby")), null, token, 0)).isSameAs(victim);
	}

	@Test
	void theFailureCountStartsAfreshAfterAMinuteAndForgottenAddressesArePurged() {
		SessionManager manager = manager(PulseSettings.defaults().withResumeMaxFailuresPerMinute(2));
		for (int i = 0; i < 2; i++) {
			manager.open(new FakeTransport().from("10.6.6.6"), ConnectDecision.accept(List.of("lobby")), null,
					"B".repeat(43), 0);
		}
		java.net.InetAddress address = new java.net.InetSocketAddress("10.6.6.6", 1).getAddress();
		assertThat(manager.isResumeBlocked(address)).isTrue();
		advance(Duration.ofSeconds(59));
		assertThat(manager.isResumeBlocked(address)).isTrue();
		advance(Duration.ofSeconds(1));
		assertThat(manager.isResumeBlocked(address)).isFalse();
		assertThat(manager.resumeFailures().trackedAddresses()).isZero();
	}

}
