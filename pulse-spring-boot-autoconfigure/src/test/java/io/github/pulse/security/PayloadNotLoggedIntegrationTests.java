package io.github.pulse.security;

import java.net.URI;

import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.annotation.PulseEvent;
import io.github.pulse.test.TestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A payload never reaches the logs, not even inside an exception: Jackson's messages quote the value they could
 * not read, and an application exception may quote the payload it was handed. With pulse at TRACE, each path a
 * bad or unlucky payload can take is driven with a marker in the payload and the whole output is searched for it.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = PayloadNotLoggedIntegrationTests.PayloadApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "logging.level.io.github.pulse=TRACE", "logging.level.org.springframework.web.socket=DEBUG" })
class PayloadNotLoggedIntegrationTests {

	private static final String MARKER = "SECRET-MARKER-c41d";

	@LocalServerPort
	int port;

	@Test
	void badJsonInAClientFrameIsNotQuotedInTheLog(CapturedOutput output) {
		for (String frame : new String[] { "{\"type\":\"message\",\"event\":\"chat\",\"payload\":" + MARKER + "}",
				"{\"type\":\"message\",\"event\":\"chat\",\"payload\":{\"a\":\"" + MARKER + "\"]}",
				"{\"type\":\"message\",\"event\":\"chat\",\"payload\":\"" + MARKER + "\"} trailing",
				"{\"type\":\"" + MARKER + "\",\"event\":7}" }) {
			try (TestClient client = connect()) {
				client.send(frame);
				assertThat(client.awaitClose().code()).as("close code for a malformed frame").isEqualTo(1007);
			}
		}
		awaitLogged(output, "with 1007 (malformed JSON)");
		assertNoMarker(output);
	}

	@Test
	void aPayloadThatDoesNotConvertToTheEventParameterTypeIsNotQuotedInTheLog(CapturedOutput output) {
		try (TestClient client = connect()) {
			client.sendMessage("typed", "{\"quantity\":\"" + MARKER + "-typed\"}");
			assertThat(client.awaitClose().code()).isEqualTo(1007);
		}
		try (TestClient client = connect()) {
			client.sendMessage("converted", "{\"quantity\":\"" + MARKER + "-converted\"}");
			assertThat(client.awaitClose().code()).isEqualTo(1011);
		}
		awaitLogged(output, "with 1007: invalid payload for event 'typed'");
		awaitLogged(output, "Listener failed on event 'converted'");
		// the conversion failure is still identified by its class and where it happened
		awaitLogged(output, "java.lang.IllegalArgumentException (message not logged");
		awaitLogged(output, "at io.github.pulse.codec.JacksonPulseCodec.convert(");
		assertNoMarker(output);
	}

	@Test
	void aHandlerExceptionThatQuotesThePayloadIsLoggedWithoutItsMessage(CapturedOutput output) {
		try (TestClient client = connect()) {
			client.sendMessage("explode", "\"" + MARKER + "-explode\"");
			assertThat(client.awaitClose().code()).isEqualTo(1011);
		}
		awaitLogged(output, "Listener failed on event 'explode'");
		// the exception, its cause and where it was thrown are still logged
		awaitLogged(output, "java.lang.IllegalStateException (message not logged");
		awaitLogged(output, "java.lang.IllegalArgumentException (message not logged");
		awaitLogged(output, "at " + PayloadHandlers.class.getName() + ".explode(");
		assertNoMarker(output);
	}

	/**
	 * Waits for a line, without printing the whole log when it never comes.
	 */
	private static void awaitLogged(CapturedOutput output, String text) {
		await().untilAsserted(() -> assertThat(output.getAll().contains(text))
			.as("the log contains '%s' (%d characters captured)", text, output.getAll().length())
			.isTrue());
	}

	private static void assertNoMarker(CapturedOutput output) {
		assertThat(output.getAll().lines().filter((line) -> line.contains(MARKER)).toList())
			.as("log lines quoting the payload marker")
			.isEmpty();
	}

	private TestClient connect() {
		TestClient client = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?room=payloads"));
		client.nextOfType("welcome");
		return client;
	}

	/** Payload type of the handlers. */
	record Order(int quantity) {
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class PayloadApplication {

		@Bean
		PayloadHandlers payloadHandlers() {
			return new PayloadHandlers();
		}

		@Bean
		PulseListener convertingListener() {
			return new PulseListener() {

				@Override
				public void onMessage(PulseConnection connection, PulseMessage message) {
					if (message.event().equals("converted")) {
						// a plain listener that lets the conversion failure escape
						message.payload(Order.class);
					}
				}

			};
		}

	}

	static class PayloadHandlers {

		@PulseEvent("typed")
		void typed(Order order) {
		}

		@PulseEvent("explode")
		void explode(String text) {
			throw new IllegalStateException("cannot handle " + text, new IllegalArgumentException("bad: " + text));
		}

	}

}
