package io.github.pulse.web;

import java.net.URI;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import io.github.pulse.ConnectionState;
import io.github.pulse.PulseConnection;
import io.github.pulse.core.SessionManager;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.ChatTestApplication.RecordingListener;
import io.github.pulse.test.TestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "pulse.debug.allow-drop=true")
class TransportDropIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	SessionManager manager;

	@Autowired
	RecordingListener listener;

	URI uri(String query) {
		return URI.create("ws://localhost:" + this.port + "/pulse" + query);
	}

	@Test
	void dropRequestEndsTheTransportWithoutACloseFrameAndTheSessionResumesWithEverythingSentMeanwhile() {
		try (TestClient alice = TestClient.connect(uri("?room=drop"));
				TestClient bob = TestClient.connect(uri("?room=drop"))) {
			JsonNode welcome = alice.nextOfType("welcome");
			String id = welcome.path("connectionId").asText();
			bob.nextOfType("welcome");
			bob.sendMessage("chat", "{\"n\":1}");
			assertThat(alice.nextOfType("message").path("seq").asLong()).isEqualTo(1);

			alice.sendMessage("pulse.drop", "null");

			// awaitDrop, not awaitClose: the JDK client does not always notice the dropped TCP connection by itself
			assertThat(alice.awaitDrop().code()).isEqualTo(1006);
			PulseConnection session = this.manager.connection(id);
			assertThat(session).isNotNull();
			await().atMost(Duration.ofSeconds(10)).until(() -> session.state() == ConnectionState.SUSPENDED);
			assertThat(this.listener.events).contains("drop:" + id + ":TRANSPORT_ERROR");
			bob.sendMessage("chat", "{\"n\":2}").sendMessage("chat", "{\"n\":3}");
			// bob receiving n=3 does not mean alice's session has it yet: the broadcast may reach bob first and
			// queue it for alice a moment later, so wait for alice's session itself
			await().atMost(Duration.ofSeconds(10)).until(() -> session.queuedFrames() == 2);

			try (TestClient resumed = TestClient.connect(uri("?room=drop&resume=" + welcome.path("resumeToken").asText()
					+ "&lastSeq=1"))) {
				JsonNode first = resumed.next();
				assertThat(first.path("type").asText()).isEqualTo("resumed");
				assertThat(first.path("connectionId").asText()).isEqualTo(id);
				assertThat(first.path("replayed").asInt()).isEqualTo(2);
				assertThat(first.path("missed").asInt()).isZero();
				assertThat(resumed.next().path("payload").path("n").asInt()).isEqualTo(2);
				assertThat(resumed.next().path("payload").path("n").asInt()).isEqualTo(3);
				assertThat(session.state()).isEqualTo(ConnectionState.OPEN);
				assertThat(this.listener.events).contains("restore:" + id);
			}
		}
	}

	@Test
	void dropOfAnUnknownConnectionDoesNothing() {
		assertThat(this.manager.dropTransport("no-such-connection")).isFalse();
	}

}
