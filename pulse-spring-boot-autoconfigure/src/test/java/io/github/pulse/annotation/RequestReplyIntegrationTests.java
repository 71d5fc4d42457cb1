package io.github.pulse.annotation;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import tools.jackson.databind.JsonNode;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.PulseReplyException;
import io.github.pulse.test.TestClient;
import io.github.pulse.test.TestClient.Close;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Request/reply on the wire: a message with {@code ref} is answered with a {@code reply} frame carrying the
 * handler's return value, the application's error, or a generic internal error, numbered like message frames.
 */
@SpringBootTest(classes = RequestReplyIntegrationTests.ReplyApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT)
class RequestReplyIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	ReplyListener listener;

	TestClient connect() {
		TestClient client = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?room=replies"));
		client.nextOfType("welcome");
		return client;
	}

	@Test
	void theHandlersReturnValueIsTheReplyCarryingTheRefAndASeq() {
		try (TestClient client = connect()) {
			client.send("{\"type\":\"message\",\"event\":\"add\",\"ref\":\"r-1\",\"payload\":{\"a\":2,\"b\":3}}");
			JsonNode reply = client.nextOfType("reply");
			assertThat(reply.path("ref").asText()).isEqualTo("r-1");
			assertThat(reply.path("payload").path("sum").asInt()).isEqualTo(5);
			assertThat(reply.path("seq").asLong()).isEqualTo(1);
			assertThat(reply.has("error")).isFalse();
			assertThat(reply.has("event")).isFalse();
		}
	}

	@Test
	void withoutRefTheReturnValueGoesBackAsAMessageAsBefore() {
		try (TestClient client = connect()) {
			client.sendMessage("add", "{\"a\":1,\"b\":1}");
			JsonNode message = client.nextOfType("message");
			assertThat(message.path("event").asText()).isEqualTo("add");
			assertThat(message.path("payload").path("sum").asInt()).isEqualTo(2);
			client.send("{\"type\":\"message\",\"event\":\"add\",\"ref\":\"r\",\"payload\":{\"a\":1,\"b\":2}}");
			JsonNode reply = client.nextOfType("reply");
			assertThat(reply.path("seq").asLong()).isEqualTo(2);
			assertThat(client.history()).filteredOn((f) -> f.path("type").asText().equals("message")).hasSize(1);
		}
	}

	@Test
	void anApplicationErrorIsAnsweredWithItsCodeAndMessageAndTheConnectionStaysOpen() {
		try (TestClient client = connect()) {
			client.send("{\"type\":\"message\",\"event\":\"find\",\"ref\":\"q\",\"payload\":\"x\"}");
			JsonNode reply = client.nextOfType("reply");
			assertThat(reply.path("ref").asText()).isEqualTo("q");
			assertThat(reply.path("error").path("code").asText()).isEqualTo("not-found");
			assertThat(reply.path("error").path("message").asText()).isEqualTo("no item x");
			assertThat(reply.has("payload")).isFalse();
			client.send("{\"type\":\"message\",\"event\":\"add\",\"ref\":\"next\",\"payload\":{\"a\":0,\"b\":1}}");
			assertThat(client.nextOfType("reply").path("ref").asText()).isEqualTo("next");
		}
	}

	@Test
	void anyOtherExceptionIsAnsweredWithAGenericErrorThatRevealsNothing() {
		try (TestClient client = connect()) {
			client.send("{\"type\":\"message\",\"event\":\"boom\",\"ref\":\"b\"}");
			JsonNode reply = client.nextOfType("reply");
			assertThat(reply.path("error").path("code").asText()).isEqualTo("internal");
			assertThat(reply.path("error").path("message").asText()).isEqualTo("internal error");
			assertThat(reply.toString()).doesNotContain("secret").doesNotContain("Exception").doesNotContain("at ");
			client.send("{\"type\":\"message\",\"event\":\"add\",\"ref\":\"after\",\"payload\":{\"a\":0,\"b\":1}}");
			assertThat(client.nextOfType("reply").path("ref").asText()).isEqualTo("after");
		}
	}

	@Test
	void withoutRefAnExceptionStillClosesWith1011AndAnApplicationErrorIsIgnored() {
		try (TestClient client = connect()) {
			client.sendMessage("find", "\"x\"");
			client.send("{\"type\":\"message\",\"event\":\"add\",\"ref\":\"alive\",\"payload\":{\"a\":0,\"b\":1}}");
			assertThat(client.nextOfType("reply").path("ref").asText()).isEqualTo("alive");
			client.sendMessage("boom", "null");
			assertThat(client.awaitClose().code()).isEqualTo(1011);
		}
	}

	@Test
	void aListenerRepliesThroughTheMessageAndAVoidHandlerWithAnEmptyReply() {
		try (TestClient client = connect()) {
			client.send("{\"type\":\"message\",\"event\":\"listener\",\"ref\":\"l\",\"payload\":[1,2]}");
			JsonNode reply = client.nextOfType("reply");
			assertThat(reply.path("payload").toString()).isEqualTo("{\"heard\":[1,2]}");
			client.send("{\"type\":\"message\",\"event\":\"note\",\"ref\":\"v\",\"payload\":\"n\"}");
			JsonNode empty = client.nextOfType("reply");
			assertThat(empty.path("ref").asText()).isEqualTo("v");
			assertThat(empty.has("payload")).isFalse();
			assertThat(empty.has("error")).isFalse();
			assertThat(this.listener.refs).contains("l", "v");
		}
	}

	@Test
	void aRefOf64CharactersIsAccepted() {
		try (TestClient client = connect()) {
			String ref = "r".repeat(64);
			client.send("{\"type\":\"message\",\"event\":\"add\",\"ref\":\"" + ref + "\",\"payload\":{\"a\":1,\"b\":1}}");
			assertThat(client.nextOfType("reply").path("ref").asText()).isEqualTo(ref);
		}
	}

	@ParameterizedTest(name = "ref {0} closes with 1007: {1}")
	@CsvSource(delimiter = '|', value = { "\"\"|ref must be 1 to 64 characters",
			"\"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\"|ref must be 1 to 64 characters",
			"5|ref must be a string", "null|ref must be a string", "[\"a\"]|ref must be a string" })
	void anInvalidRefClosesWith1007NamingTheField(String ref, String reason) {
		try (TestClient bystander = connect(); TestClient client = connect()) {
			client.send("{\"type\":\"message\",\"event\":\"add\",\"ref\":" + ref + ",\"payload\":{\"a\":1,\"b\":1}}");
			Close close = client.awaitClose();
			assertThat(close.code()).isEqualTo(1007);
			assertThat(close.reason()).isEqualTo(reason);
			assertThat(this.listener.refs).doesNotContain(ref);
			bystander.send("{\"type\":\"message\",\"event\":\"add\",\"ref\":\"ok\",\"payload\":{\"a\":1,\"b\":1}}");
			assertThat(bystander.nextOfType("reply").path("payload").path("sum").asInt()).isEqualTo(2);
		}
	}

	@Test
	void aReplyQueuedWhileTheSessionIsSuspendedIsReplayedOnResume() {
		TestClient first = connect();
		JsonNode welcome = first.history().get(0);
		first.send("{\"type\":\"message\",\"event\":\"add\",\"ref\":\"a\",\"payload\":{\"a\":1,\"b\":1}}");
		assertThat(first.nextOfType("reply").path("seq").asLong()).isEqualTo(1);
		first.send("{\"type\":\"message\",\"event\":\"add\",\"ref\":\"b\",\"payload\":{\"a\":2,\"b\":2}}");
		await().atMost(Duration.ofSeconds(10)).until(() -> this.listener.refs.contains("b"));
		first.abort();
		try (TestClient resumed = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?resume="
				+ welcome.path("resumeToken").asText() + "&lastSeq=1"))) {
			assertThat(resumed.nextOfType("resumed").path("replayed").asInt()).isEqualTo(1);
			JsonNode reply = resumed.nextOfType("reply");
			assertThat(reply.path("ref").asText()).isEqualTo("b");
			assertThat(reply.path("seq").asLong()).isEqualTo(2);
			assertThat(reply.path("payload").path("sum").asInt()).isEqualTo(4);
		}
	}

	record Sum(int sum) {
	}

	record Operands(int a, int b) {
	}

	static class Handlers {

		@PulseEvent("add")
		Sum add(Operands operands) {
			return new Sum(operands.a() + operands.b());
		}

		@PulseEvent("find")
		String find(String id) {
			throw new PulseReplyException("not-found", "no item " + id);
		}

		@PulseEvent("boom")
		String boom() {
			throw new IllegalStateException("secret detail of the server");
		}

		@PulseEvent("note")
		void note(String text) {
		}

	}

	static class ReplyListener implements PulseListener {

		final List<String> refs = new CopyOnWriteArrayList<>();

		@Override
		public void onMessage(PulseConnection connection, PulseMessage message) {
			if (message.ref() != null) {
				this.refs.add(message.ref());
			}
			if (message.event().equals("listener")) {
				message.reply(java.util.Map.of("heard", message.payload()));
			}
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class ReplyApplication {

		@Bean
		Handlers handlers() {
			return new Handlers();
		}

		@Bean
		ReplyListener replyListener() {
			return new ReplyListener();
		}

	}

}
