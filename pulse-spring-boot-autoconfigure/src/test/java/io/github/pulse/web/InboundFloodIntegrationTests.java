package io.github.pulse.web;

import java.time.Duration;

import tools.jackson.databind.JsonNode;
import io.github.pulse.DisconnectReason;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.TestClient;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flood control against a real server: a connection over {@code pulse.inbound.rate} is closed with 1008 and
 * counted while its room carries on; failed resumes from one address are limited.
 */
@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "pulse.inbound.rate=5", "pulse.inbound.burst=20", "pulse.resume.max-failures-per-minute=3" })
class InboundFloodIntegrationTests extends PulseIntegrationTest {

	@Autowired
	private MeterRegistry registry;

	private double rejected(String cause) {
		return this.registry.counter("pulse.frames.rejected", "cause", cause).count();
	}

	@Test
	void aFloodingConnectionIsClosedWith1008AndCountedWhileItsRoomKeepsReceiving() {
		double before = rejected("rate-limit");
		try (Connected flooder = connect("?room=flood"); Connected bystander = connect("?room=flood")) {
			for (int i = 0; i < 200 && !flooder.client().isClosed(); i++) {
				try {
					flooder.client().sendMessage("echo", String.valueOf(i));
				}
				catch (RuntimeException ex) {
					break; // the server closed the connection while we were still sending
				}
			}
			assertThat(flooder.client().awaitClose()).isEqualTo(new TestClient.Close(1008, "rate limit exceeded"));
			Awaitility.await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(this.recorder.disconnectsOf(flooder.id())).hasSize(1));
			assertThat(this.recorder.disconnectsOf(flooder.id()).get(0).reason())
				.isEqualTo(DisconnectReason.PROTOCOL_ERROR);
			assertThat(rejected("rate-limit")).isEqualTo(before + 1);
			bystander.client().sendMessage("chat", "\"still here\"");
			assertThat(bystander.client().nextOfType("message").path("payload").asText()).isEqualTo("still here");
		}
	}

	@Test
	void aBurstWithinTheAllowanceIsServedInFull() {
		try (Connected c = connect("?room=burst")) {
			for (int i = 0; i < 20; i++) {
				c.client().sendMessage("echo", String.valueOf(i));
			}
			for (int i = 0; i < 20; i++) {
				assertThat(c.client().nextOfType("message").path("payload").asInt()).isEqualTo(i);
			}
			assertThat(c.client().isClosed()).isFalse();
		}
	}

	@Test
	void afterThreeFailedResumesFromAnAddressTheNextOneIsRefusedEvenWithAValidToken() {
		double limited = this.registry.counter("pulse.resume.attempts", "outcome", "rate-limited").count();
		Connected victim = connect("?room=guess");
		String token = victim.welcome().path("resumeToken").asText();
		victim.client().abort();
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> this.manager.suspendedCount() == 1);
		for (int i = 0; i < 3; i++) {
			try (TestClient guess = TestClient.connect(uri("?resume=" + "x".repeat(43) + "&lastSeq=0"))) {
				assertThat(guess.nextOfType("welcome").path("resumeFailed").asText()).isEqualTo("unknown");
			}
		}
		try (TestClient owner = TestClient.connect(uri("?resume=" + token + "&lastSeq=0"))) {
			JsonNode first = owner.next();
			assertThat(first.path("type").asText()).isEqualTo("welcome");
			assertThat(first.path("resumeFailed").asText()).isEqualTo("unknown");
		}
		assertThat(this.registry.counter("pulse.resume.attempts", "outcome", "rate-limited").count())
			.isEqualTo(limited + 1);
		this.manager.kick(victim.id());
	}

}
