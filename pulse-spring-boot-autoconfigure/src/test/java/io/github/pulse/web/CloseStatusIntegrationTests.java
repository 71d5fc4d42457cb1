package io.github.pulse.web;

import java.time.Duration;
import java.util.List;

import io.github.pulse.ConnectDecision;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.ChatTestApplication.Disconnect;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every ending gets exactly one close status and one disconnect reason, tested one by one.
 */
@SpringBootTest(classes = { ChatTestApplication.class, CloseStatusIntegrationTests.ExplicitIds.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "pulse.max-message-size=2KB", "pulse.container.message-buffer-size=256B" })
class CloseStatusIntegrationTests extends PulseIntegrationTest {

	@TestConfiguration(proxyBeanMethods = false)
	static class ExplicitIds {

		/** Uses the {@code id} query parameter as the connection id when present. */
		@Bean
		PulseConnectHandler explicitIdConnectHandler() {
			DefaultPulseConnectHandler defaults = new DefaultPulseConnectHandler("default");
			return (request) -> {
				String id = request.queryParam("id");
				return (id != null) ? ConnectDecision.accept(id, List.of("default")) : defaults.decide(request);
			};
		}

	}

	private Disconnect awaitDisconnect(String id) {
		Awaitility.await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.recorder.disconnectsOf(id)).hasSize(1));
		return this.recorder.disconnectsOf(id).get(0);
	}

	@Test
	void applicationCloseSendsNormalClosure() {
		try (Connected c = connect("")) {
			c.client().sendMessage("close", "1000");
			assertThat(c.client().awaitClose()).isEqualTo(new TestClient.Close(1000, "bye"));
			Disconnect disconnect = awaitDisconnect(c.id());
			assertThat(disconnect.reason()).isEqualTo(DisconnectReason.CLOSED);
			assertThat(disconnect.status().code()).isEqualTo(1000);
		}
	}

	@Test
	void applicationCloseSendsTheApplicationCode() {
		try (Connected c = connect("")) {
			c.client().sendMessage("close", "4100");
			assertThat(c.client().awaitClose().code()).isEqualTo(4100);
			assertThat(awaitDisconnect(c.id()).reason()).isEqualTo(DisconnectReason.CLOSED);
		}
	}

	@Test
	void applicationCloseWithAReservedCodeIsRefusedAndTheListenerErrorClosesWith1011() {
		try (Connected c = connect("")) {
			c.client().sendMessage("close", "1006");
			assertThat(c.client().awaitClose().code()).isEqualTo(1011);
			assertThat(awaitDisconnect(c.id()).reason()).isEqualTo(DisconnectReason.HANDLER_ERROR);
		}
	}

	@ParameterizedTest(name = "{0} -> 1007 {1}")
	@CsvSource(delimiter = '|', value = {
			"not json                                        | malformed JSON",
			"[1,2]                                           | frame must be a JSON object",
			"{\"event\":\"chat\"}                            | missing type",
			"{\"type\":\"message\"}                          | missing event",
			"{\"type\":\"message\",\"event\":\"\"}           | event must be 1 to 128 characters",
			"{\"type\":\"message\",\"event\":42}             | event must be a string",
			"{\"type\":7}                                    | type must be a string",
			"{\"type\":\"ack\"}                              | ack needs a non-negative integer seq",
			"{\"type\":\"ack\",\"seq\":\"1\"}                | seq must be an integer",
			"{\"type\":\"ack\",\"seq\":99}                   | ack seq beyond last sent",
			"{\"type\":\"ping\"} trailing                    | trailing data after frame",
			"{\"type\":\"message\",\"event\":\"a\\u0001b\"}  | event must not contain control characters" })
	void invalidFramesCloseWith1007NamingTheProblem(String frame, String reason) {
		try (Connected c = connect("")) {
			c.client().send(frame);
			assertThat(c.client().awaitClose()).isEqualTo(new TestClient.Close(1007, reason));
			Disconnect disconnect = awaitDisconnect(c.id());
			assertThat(disconnect.reason()).isEqualTo(DisconnectReason.PROTOCOL_ERROR);
			assertThat(disconnect.status().code()).isEqualTo(1007);
		}
	}

	@Test
	void overlongEventNameClosesWith1007() {
		try (Connected c = connect("")) {
			c.client().sendMessage("e".repeat(129), "null");
			assertThat(c.client().awaitClose()).isEqualTo(new TestClient.Close(1007,
					"event must be 1 to 128 characters"));
		}
	}

	@Test
	void binaryFrameClosesWith1003() {
		try (Connected c = connect("")) {
			c.client().sendBinary(new byte[] { 1, 2, 3 });
			assertThat(c.client().awaitClose()).isEqualTo(new TestClient.Close(1003, "binary frames not accepted"));
			assertThat(awaitDisconnect(c.id()).reason()).isEqualTo(DisconnectReason.PROTOCOL_ERROR);
		}
	}

	@Test
	void binaryMessageLargerThanTheContainersBinaryBufferClosesWith1003() {
		// Tomcat's binary buffer is 128 bytes: this message reaches pulse in parts, refused on the first
		try (Connected c = connect("")) {
			c.client().sendBinary(new byte[1500]);
			assertThat(c.client().awaitClose()).isEqualTo(new TestClient.Close(1003, "binary frames not accepted"));
			assertThat(awaitDisconnect(c.id()).reason()).isEqualTo(DisconnectReason.PROTOCOL_ERROR);
		}
	}

	@Test
	void messageOverTheSizeLimitClosesWith1009() {
		try (Connected c = connect("")) {
			c.client().sendMessage("chat", "\"" + "x".repeat(3000) + "\"");
			assertThat(c.client().awaitClose()).isEqualTo(new TestClient.Close(1009, "message too big"));
			assertThat(awaitDisconnect(c.id()).reason()).isEqualTo(DisconnectReason.PROTOCOL_ERROR);
		}
	}

	@Test
	void messageLargerThanTheContainerBufferButWithinTheLimitIsAssembled() {
		try (Connected c = connect("")) {
			String text = "é".repeat(800);
			c.client().sendMessage("echo", "\"" + text + "\"");
			assertThat(c.client().nextOfType("message").path("payload").asText()).isEqualTo(text);
		}
	}

	@Test
	void multiByteTextIsMeasuredInUtf8Bytes() {
		try (Connected c = connect("")) {
			// 1,100 characters but 2,200 bytes: over the 2 KB limit
			c.client().sendMessage("echo", "\"" + "é".repeat(1100) + "\"");
			assertThat(c.client().awaitClose().code()).isEqualTo(1009);
		}
	}

	@Test
	void listenerExceptionClosesWith1011() {
		try (Connected c = connect("")) {
			c.client().sendMessage("fail", "null");
			assertThat(c.client().awaitClose()).isEqualTo(new TestClient.Close(1011, "internal error"));
			assertThat(awaitDisconnect(c.id()).reason()).isEqualTo(DisconnectReason.HANDLER_ERROR);
		}
	}

	@Test
	void kickClosesWith4000() {
		try (Connected c = connect("")) {
			assertThat(this.manager.kick(c.id())).isTrue();
			assertThat(c.client().awaitClose()).isEqualTo(new TestClient.Close(4000, "kicked"));
			assertThat(awaitDisconnect(c.id()).reason()).isEqualTo(DisconnectReason.KICKED);
			assertThat(this.manager.connection(c.id())).isNull();
		}
	}

	@Test
	void newerConnectionWithTheSameIdReplacesTheOldOneWith4001() {
		try (Connected first = connect("?id=user-42"); Connected second = connect("?id=user-42")) {
			assertThat(first.client().awaitClose()).isEqualTo(new TestClient.Close(4001, "replaced"));
			assertThat(awaitDisconnect("user-42").reason()).isEqualTo(DisconnectReason.REPLACED);
			assertThat(this.manager.connection("user-42")).isNotNull();
			second.client().sendMessage("echo", "\"still here\"");
			assertThat(second.client().nextOfType("message").path("payload").asText()).isEqualTo("still here");
			assertThat(second.client().isClosed()).isFalse();
		}
	}

	@ParameterizedTest(name = "client close {0}")
	@CsvSource({ "1000", "1001", "4500" })
	void closeFrameFromTheClientEndsTheSessionWithItsCode(int code) {
		Connected c = connect("");
		c.client().close(code);
		Disconnect disconnect = awaitDisconnect(c.id());
		assertThat(disconnect.reason()).isEqualTo(DisconnectReason.NORMAL);
		assertThat(disconnect.status().code()).isEqualTo(code);
		assertThat(this.manager.connection(c.id())).isNull();
		assertThat(this.recorder.events).doesNotContain("drop:" + c.id() + ":TRANSPORT_ERROR");
	}

	@Test
	void abruptDropSuspendsTheSessionInsteadOfEndingIt() {
		Connected c = connect("");
		c.client().abort();
		Awaitility.await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.recorder.events).contains("drop:" + c.id() + ":TRANSPORT_ERROR"));
		assertThat(this.recorder.disconnectsOf(c.id())).isEmpty();
		assertThat(this.manager.kick(c.id())).isTrue();
		assertThat(awaitDisconnect(c.id()).reason()).isEqualTo(DisconnectReason.KICKED);
	}

}
