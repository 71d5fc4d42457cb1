package io.github.pulse.web;

import java.time.Duration;

import io.github.pulse.DisconnectReason;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.FaultInjectingProxy;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dead transports are found by the heartbeat, idle clients by the idle timeout.
 */
class HeartbeatIntegrationTests {

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.heartbeat.interval=400ms", "pulse.heartbeat.timeout=300ms" })
	class Heartbeat extends PulseIntegrationTest {

		@Test
		void clientThatNeverAnswersPingsIsDetectedWithinIntervalPlusTimeout() throws Exception {
			try (FaultInjectingProxy proxy = new FaultInjectingProxy(this.port)) {
				TestClient client = TestClient.connect(
						java.net.URI.create("ws://localhost:" + proxy.port() + "/pulse"));
				String id = client.nextOfType("welcome").path("connectionId").asText();
				long start = System.nanoTime();
				proxy.blackhole(true);
				Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
					.untilAsserted(() -> assertThat(this.recorder.events).contains("drop:" + id + ":HEARTBEAT_TIMEOUT"));
				Duration detected = Duration.ofNanos(System.nanoTime() - start);
				// interval + timeout = 700 ms, plus one timer tick (75 ms) and scheduling slack
				assertThat(detected).isLessThan(Duration.ofMillis(700 + 75 + 600));
				this.manager.kick(id);
				client.abort();
			}
		}

		@Test
		void clientThatAnswersPingsStaysConnectedAcrossManyIntervals() {
			try (Connected c = connect("")) {
				long pings = 0;
				Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ofMillis(2500)).until(() -> true);
				assertThat(c.client().isClosed()).isFalse();
				assertThat(this.recorder.events).doesNotContain("drop:" + c.id() + ":HEARTBEAT_TIMEOUT");
				assertThat(this.manager.connection(c.id()).state()).isEqualTo(io.github.pulse.ConnectionState.OPEN);
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.idle-timeout=800ms" })
	class Idle extends PulseIntegrationTest {

		@Test
		void connectionWithoutApplicationMessagesIsClosedWith4003() {
			// the idle clock starts when the server opens the session, after this and before connect returns
			long start = System.nanoTime();
			try (Connected idle = connect(""); Connected active = connect("")) {
				// app-level pings do not count as activity; messages do
				while (!idle.client().isClosed()) {
					idle.client().send("{\"type\":\"ping\"}");
					active.client().sendMessage("noop", "null");
					Awaitility.await().atMost(Duration.ofMillis(200)).pollInterval(Duration.ofMillis(10))
						.until(() -> !idle.client().pending().isEmpty() || idle.client().isClosed());
					idle.client().pending().clear();
				}
				assertThat(idle.client().awaitClose()).isEqualTo(new TestClient.Close(4003, "idle timeout"));
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
				assertThat(this.recorder.disconnectsOf(idle.id())).extracting(ChatTestApplication.Disconnect::reason)
					.containsExactly(DisconnectReason.IDLE_TIMEOUT);
				assertThat(active.client().isClosed()).isFalse();
			}
		}

	}

}
