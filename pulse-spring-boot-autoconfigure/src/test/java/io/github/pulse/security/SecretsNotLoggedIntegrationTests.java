package io.github.pulse.security;

import java.time.Duration;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resume tokens and payloads never reach the logs, with pulse at TRACE and Spring's and Tomcat's WebSocket and web
 * layers at DEBUG, through a chat, a malformed frame, a failing listener, a drop and a resume.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "logging.level.io.github.pulse=TRACE", "logging.level.org.springframework.web.socket=DEBUG",
				"logging.level.org.springframework.web=DEBUG", "logging.level.org.apache.tomcat.websocket=DEBUG",
				"logging.level.org.apache.catalina.core=DEBUG" })
class SecretsNotLoggedIntegrationTests extends PulseIntegrationTest {

	private static final String MARKER = "PAYLOAD-MARKER-7f3a";

	@Test
	void neitherResumeTokensNorPayloadsAppearInTheLogs(CapturedOutput output) {
		Connected alice = connect("?room=secrets");
		String firstToken = alice.welcome().path("resumeToken").asText();
		String secondToken;
		try (Connected bob = connect("?room=secrets")) {
			alice.client().sendMessage("chat", "\"" + MARKER + "-chat\"");
			assertThat(bob.client().nextOfType("message").path("payload").asText()).isEqualTo(MARKER + "-chat");
			alice.client().abort();
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> this.manager.suspendedCount() == 1);
			this.manager.broadcast("secrets", "chat", MARKER + "-while-away");
			try (TestClient resumed = TestClient.connect(uri("?room=secrets&resume=" + firstToken + "&lastSeq=1"))) {
				JsonNode first = resumed.next();
				assertThat(first.path("type").asText()).isEqualTo("resumed");
				secondToken = first.path("resumeToken").asText();
				assertThat(resumed.nextOfType("message").path("payload").asText()).isEqualTo(MARKER + "-while-away");
				resumed.sendMessage("fail", "\"" + MARKER + "-fail\"");
				assertThat(resumed.awaitClose().code()).isEqualTo(1011);
			}
			try (TestClient late = TestClient.connect(uri("?resume=" + secondToken + "&lastSeq=0"))) {
				assertThat(late.nextOfType("welcome").path("resumeFailed").asText()).isEqualTo("unknown");
			}
			try (Connected carol = connect("?room=secrets")) {
				carol.client().send("{\"type\":\"message\",\"event\":\"chat\",\"payload\":\"" + MARKER + "-bad\"]");
				assertThat(carol.client().awaitClose().code()).isEqualTo(1007);
			}
		}
		awaitNoSessions();
		assertThat(output.getAll()).as("the capture works: pulse logs at DEBUG").contains("Resumed PulseSession[");
		assertThat(output.getAll()).contains("closing it with 1011");
		assertThat(output.getAll()).doesNotContain(firstToken).doesNotContain(secondToken).doesNotContain(MARKER);
	}

}
