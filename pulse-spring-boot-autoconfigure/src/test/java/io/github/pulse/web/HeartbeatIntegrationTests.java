package io.github.pulse.web;

import java.time.Duration;

import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.FaultInjectingProxy;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.TestClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dead transports are found by the heartbeat, idle clients by the idle timeout, over real sockets. These tests wait
 * for outcomes, not for wall-clock deadlines: how late the timer of a busy machine runs is not theirs to decide. The
 * exact timing (detection on the first tick after interval plus timeout, closure exactly one idle timeout after
 * the last message) is checked with a hand-driven clock in {@code SessionManagerTests}.
 */
class HeartbeatIntegrationTests {

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.heartbeat.interval=400ms", "pulse.heartbeat.timeout=300ms" })
	class Heartbeat extends PulseIntegrationTest {

		@Test
		void clientThatNeverAnswersPingsIsDetectedByTheHeartbeatWhileItsSocketStaysOpen() throws Exception {
			try (FaultInjectingProxy proxy = new FaultInjectingProxy(this.port)) {
				TestClient client = TestClient.connect(
						java.net.URI.create("ws://localhost:" + proxy.port() + "/pulse"));
				String id = client.nextOfType("welcome").path("connectionId").asText();
				proxy.blackhole(true);
				// nothing else can notice: the proxy keeps both TCP connections open and reads everything the
				// server writes, so no write times out and no close reaches either side
				Awaitility.await()
					.atMost(Duration.ofSeconds(10))
					.pollInterval(Duration.ofMillis(10))
					.untilAsserted(() -> assertThat(this.recorder.events).contains("drop:" + id + ":HEARTBEAT_TIMEOUT"));
				assertThat(this.recorder.events).doesNotContain("drop:" + id + ":TRANSPORT_ERROR");
				assertThat(client.isClosed()).isFalse();
				this.manager.kick(id);
				client.abort();
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.heartbeat.interval=2s", "pulse.heartbeat.timeout=1900ms" })
	class AnsweredPings extends PulseIntegrationTest {

		@Autowired
		MeterRegistry registry;

		@Test
		void clientThatAnswersPingsStaysConnectedAcrossManyIntervals() {
			try (Connected c = connect("")) {
				// the server sends its next ping only once the previous one was answered, and counts each pong in
				// the round-trip timer: three pongs are three intervals survived, waited for as such, not as a
				// number of seconds. The timeout is as long as the interval allows: a pong held up for a moment by a
				// busy machine is not what this test is about (the other tests of this class are)
				Timer rtt = this.registry.get("pulse.heartbeat.rtt").timer();
				long before = rtt.count();
				Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> rtt.count() - before >= 3);
				assertThat(c.client().isClosed()).isFalse();
				assertThat(this.recorder.events).doesNotContain("drop:" + c.id() + ":HEARTBEAT_TIMEOUT");
				assertThat(this.manager.connection(c.id()).state()).isEqualTo(ConnectionState.OPEN);
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.idle-timeout=800ms" })
	class Idle extends PulseIntegrationTest {

		private static final Duration IDLE_TIMEOUT = Duration.ofMillis(800);

		@Test
		void connectionWithoutApplicationMessagesIsClosedWith4003() {
			// the idle clock starts when the server opens the session, after this and before connect returns
			long start = System.nanoTime();
			try (Connected idle = connect(""); Connected active = connect("")) {
				// app-level pings do not count as activity; messages do. Each round trip is awaited, so nothing
				// here assumes how fast a loaded machine answers.
				long lastEchoSent = 0;
				long deadline = start + Duration.ofSeconds(20).toNanos();
				while (!idle.client().isClosed()) {
					assertThat(System.nanoTime() - deadline).as("app-level pings kept the idle connection open")
						.isNegative();
					if (sendUnlessClosed(idle.client(), "{\"type\":\"ping\"}")) {
						Awaitility.await()
							.pollInterval(Duration.ofMillis(10))
							.until(() -> !idle.client().pending().isEmpty() || idle.client().isClosed());
						idle.client().pending().clear();
					}
					long sent = System.nanoTime();
					if (!active.client().isClosed() && sendUnlessClosed(active.client(),
							"{\"type\":\"message\",\"event\":\"echo\",\"payload\":null}")) {
						if (awaitEchoUnlessClosed(active.client())) {
							// the server took this message while the session was open: its idle clock restarted
							// no earlier than now
							lastEchoSent = sent;
						}
					}
				}
				assertThat(idle.client().awaitClose()).isEqualTo(new TestClient.Close(4003, "idle timeout"));
				assertThat(Duration.ofNanos(idle.client().closedAtNanos() - start)).isGreaterThanOrEqualTo(IDLE_TIMEOUT);
				assertThat(this.recorder.disconnectsOf(idle.id())).extracting(ChatTestApplication.Disconnect::reason)
					.containsExactly(DisconnectReason.IDLE_TIMEOUT);
				// the active connection, quiet from now on, is closed in its turn, one idle timeout after its last
				// message at the earliest: messages restart the idle clock (on a machine too busy to get one
				// message through in time, the bound falls back to the connect)
				assertThat(active.client().awaitClose()).isEqualTo(new TestClient.Close(4003, "idle timeout"));
				long activeSince = (lastEchoSent != 0) ? lastEchoSent : start;
				assertThat(Duration.ofNanos(active.client().closedAtNanos() - activeSince))
					.isGreaterThanOrEqualTo(IDLE_TIMEOUT);
			}
		}

		/** Sends, or returns {@code false} if the server closed the connection first. */
		private static boolean sendUnlessClosed(TestClient client, String text) {
			try {
				client.send(text);
				return true;
			}
			catch (RuntimeException ex) {
				// the close frame raced with this send; the close must come, else the failure is real
				client.awaitClose();
				return false;
			}
		}

		/** Waits for the echo, or returns {@code false} if the connection closed first. */
		private static boolean awaitEchoUnlessClosed(TestClient client) {
			Awaitility.await()
				.pollInterval(Duration.ofMillis(10))
				.until(() -> client.pending().stream().anyMatch((f) -> "echo".equals(f.path("event").asText()))
						|| client.isClosed());
			boolean echoed = client.pending().removeIf((f) -> "echo".equals(f.path("event").asText()));
			return echoed;
		}

	}

}
