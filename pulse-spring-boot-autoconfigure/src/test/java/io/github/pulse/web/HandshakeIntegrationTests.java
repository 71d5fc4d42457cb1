package io.github.pulse.web;

import java.util.List;
import java.util.Map;

import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.TestClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Handshakes refused before the upgrade get a clear HTTP status and no body; nothing else is disturbed.
 */
@SpringBootTest(classes = { ChatTestApplication.class, HandshakeIntegrationTests.Auth.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "pulse.max-connections=3", "pulse.allowed-origins=https://app.example.com" })
class HandshakeIntegrationTests extends PulseIntegrationTest {

	@TestConfiguration(proxyBeanMethods = false)
	static class Auth {

		@Bean
		PulseConnectHandler tokenConnectHandler() {
			return (request) -> switch (String.valueOf(request.headers().getFirst("X-Token"))) {
				case "good" -> ConnectDecision.accept(List.of("lobby"));
				case "banned" -> ConnectDecision.forbidden();
				default -> ConnectDecision.unauthorized();
			};
		}

	}

	private int status(String query, Map<String, String> headers) {
		return TestClient.handshakeStatus(uri(query), headers);
	}

	@Test
	void missingCredentialsGet401() {
		assertThat(status("", Map.of())).isEqualTo(401);
	}

	@Test
	void bannedCredentialsGet403() {
		assertThat(status("", Map.of("X-Token", "banned"))).isEqualTo(403);
	}

	@org.springframework.beans.factory.annotation.Autowired
	io.micrometer.core.instrument.MeterRegistry meters;

	private double rejected(String cause) {
		io.micrometer.core.instrument.Counter counter = this.meters.find("pulse.handshakes.rejected")
			.tag("cause", cause)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Test
	void foreignOriginGets403EvenWithGoodCredentialsAndIsCounted() {
		double before = rejected("forbidden");
		assertThat(status("", Map.of("X-Token", "good", "Origin", "https://evil.example.org"))).isEqualTo(403);
		assertThat(rejected("forbidden")).isEqualTo(before + 1);
	}

	@Test
	void allowedOriginIsAccepted() {
		assertThat(status("", Map.of("X-Token", "good", "Origin", "https://app.example.com"))).isEqualTo(101);
	}

	@Test
	void resumeWithoutLastSeqGets400() {
		assertThat(status("?resume=abc", Map.of("X-Token", "good"))).isEqualTo(400);
		assertThat(status("?resume=abc&lastSeq=-1", Map.of("X-Token", "good"))).isEqualTo(400);
		assertThat(status("?resume=abc&lastSeq=1x", Map.of("X-Token", "good"))).isEqualTo(400);
	}

	@Test
	void rejectionsCarryNoBody() throws Exception {
		try (java.net.Socket socket = new java.net.Socket("localhost", this.port)) {
			socket.getOutputStream().write(("GET /pulse HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
					+ "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
					+ "Sec-WebSocket-Version: 13\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
			assertThat(response).startsWith("HTTP/1.1 401");
			assertThat(response.substring(response.indexOf("\r\n\r\n") + 4)).isEmpty();
		}
	}

	@Test
	void connectionsBeyondTheLimitGet503AndTheOthersKeepWorking() {
		Map<String, String> good = Map.of("X-Token", "good");
		try (TestClient a = TestClient.connect(uri(""), good);
				TestClient b = TestClient.connect(uri(""), good);
				TestClient c = TestClient.connect(uri(""), good)) {
			a.nextOfType("welcome");
			b.nextOfType("welcome");
			c.nextOfType("welcome");
			assertThat(status("", good)).isEqualTo(503);
			a.sendMessage("chat", "\"still fine\"");
			assertThat(c.nextOfType("message").path("payload").asText()).isEqualTo("still fine");
		}
		awaitNoSessions();
		assertThat(status("", good)).isEqualTo(101);
	}

}
