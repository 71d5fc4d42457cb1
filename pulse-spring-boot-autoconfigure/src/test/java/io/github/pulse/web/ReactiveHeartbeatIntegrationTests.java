package io.github.pulse.web;

import io.github.pulse.test.OnNetty;
import org.junit.jupiter.api.Nested;

/**
 * {@link HeartbeatIntegrationTests} on WebFlux and Reactor Netty: each nested application again, on Netty.
 */
class ReactiveHeartbeatIntegrationTests extends HeartbeatIntegrationTests {

	@Nested
	@OnNetty
	class Heartbeat extends HeartbeatIntegrationTests.Heartbeat {

		/**
		 * As on Tomcat, but Reactor Netty closes the TCP connection as soon as its close frame (1001, heartbeat
		 * timeout) is written instead of waiting for the peer's answer, so the proxy then cuts the client: the
		 * client's socket stays open only until the heartbeat has detected the dead peer.
		 */
		@Override
		@org.junit.jupiter.api.Test
		void clientThatNeverAnswersPingsIsDetectedByTheHeartbeatWhileItsSocketStaysOpen() throws Exception {
			try (io.github.pulse.test.FaultInjectingProxy proxy = new io.github.pulse.test.FaultInjectingProxy(
					this.port)) {
				io.github.pulse.test.TestClient client = io.github.pulse.test.TestClient
					.connect(java.net.URI.create("ws://localhost:" + proxy.port() + "/pulse"));
				String id = client.nextOfType("welcome").path("connectionId").asText();
				proxy.blackhole(true);
				org.awaitility.Awaitility.await()
					.atMost(java.time.Duration.ofSeconds(10))
					.pollInterval(java.time.Duration.ofMillis(10))
					.untilAsserted(() -> org.assertj.core.api.Assertions.assertThat(this.recorder.events)
						.contains("drop:" + id + ":HEARTBEAT_TIMEOUT"));
				org.assertj.core.api.Assertions.assertThat(this.recorder.events)
					.doesNotContain("drop:" + id + ":TRANSPORT_ERROR");
				this.manager.kick(id);
				client.abort();
			}
		}

	}

	@Nested
	@OnNetty
	class AnsweredPings extends HeartbeatIntegrationTests.AnsweredPings {

	}

	@Nested
	@OnNetty
	class Idle extends HeartbeatIntegrationTests.Idle {

	}

}
