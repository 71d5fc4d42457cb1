package io.github.pulse.annotation;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import tools.jackson.databind.JsonNode;
import io.github.pulse.DisconnectReason;
import io.github.pulse.InvalidPayloadException;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.PulseServer;
import io.github.pulse.test.TestClient;
import io.github.pulse.test.TestClient.Close;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import io.github.pulse.PulseCloseStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(classes = PulseEventIntegrationTests.HandlerApplication.class,
		webEnvironment = WebEnvironment.RANDOM_PORT)
class PulseEventIntegrationTests {

	@LocalServerPort
	int port;

	@Autowired
	PlainListener plainListener;

	TestClient connect(String room) {
		TestClient client = TestClient.connect(URI.create("ws://localhost:" + this.port + "/pulse?room=" + room));
		client.nextOfType("welcome");
		return client;
	}

	@Test
	void typedPayloadIsConvertedAndTheReturnValueGoesBackToTheSenderWithTheSameEvent() {
		try (TestClient client = connect("sum")) {
			client.sendMessage("add", "{\"a\":2,\"b\":3}");
			JsonNode reply = client.nextOfType("message");
			assertThat(reply.path("event").asText()).isEqualTo("add");
			assertThat(reply.path("payload").path("sum").asInt()).isEqualTo(5);
			assertThat(reply.has("room")).isFalse();
		}
	}

	@Test
	void voidHandlerGetsTheSenderAndTheConvertedPayload() {
		try (TestClient alice = connect("chat"); TestClient bob = connect("chat")) {
			alice.sendMessage("chat", "{\"text\":\"hi\"}");
			JsonNode received = bob.nextOfType("message");
			assertThat(received.path("event").asText()).isEqualTo("chat");
			assertThat(received.path("payload").path("text").asText()).isEqualTo("HI");
			assertThat(received.path("payload").path("from").asText()).isNotEmpty();
		}
	}

	@Test
	void primitivePayloadAndTheRawMessageAreResolvedByType() {
		try (TestClient client = connect("count")) {
			client.sendMessage("count", "41");
			JsonNode reply = client.nextOfType("message");
			assertThat(reply.path("payload").asText()).isEqualTo("count:42");
		}
	}

	@Test
	void payloadThatCannotBeConvertedClosesWith1007NamingTheEvent() {
		try (TestClient client = connect("bad")) {
			String id = client.history().get(0).path("connectionId").asText();
			client.sendMessage("add", "\"not an object\"");
			Close close = client.awaitClose();
			assertThat(close.code()).isEqualTo(1007);
			assertThat(close.reason()).isEqualTo("invalid payload for event 'add'");
			await().until(() -> this.plainListener.disconnects.contains(id + ":" + DisconnectReason.PROTOCOL_ERROR));
		}
	}

	@Test
	void missingPayloadForAPrimitiveParameterClosesWith1007() {
		try (TestClient client = connect("bad")) {
			client.send("{\"type\":\"message\",\"event\":\"count\"}");
			Close close = client.awaitClose();
			assertThat(close.code()).isEqualTo(1007);
			assertThat(close.reason()).isEqualTo("missing payload for event 'count'");
		}
	}

	@Test
	void exceptionFromAHandlerMethodClosesWith1011() {
		try (TestClient client = connect("bad")) {
			client.sendMessage("boom", "null");
			assertThat(client.awaitClose().code()).isEqualTo(1011);
		}
	}

	@Test
	void listenerThatThrowsInvalidPayloadExceptionClosesWith1007AndItsMessage() {
		try (TestClient client = connect("bad")) {
			client.sendMessage("reject", "{}");
			Close close = client.awaitClose();
			assertThat(close.code()).isEqualTo(1007);
			assertThat(close.reason()).isEqualTo("reject is never acceptable");
		}
	}

	@Test
	void listenerInterfacesKeepWorkingBesideAnnotatedHandlers() {
		try (TestClient client = connect("both")) {
			client.sendMessage("add", "{\"a\":1,\"b\":1}");
			client.nextOfType("message");
			client.sendMessage("unhandled", "true");
			await().until(() -> this.plainListener.events.containsAll(List.of("add", "unhandled")));
			assertThat(client.isClosed()).isFalse();
		}
	}

	record Addends(int a, int b) {
	}

	record Sum(int sum) {
	}

	record ChatMessage(String text) {
	}

	record ChatLine(String from, String text) {
	}

	static class Handlers {

		private final PulseServer server;

		Handlers(PulseServer server) {
			this.server = server;
		}

		@PulseEvent("add")
		Sum add(Addends addends) {
			return new Sum(addends.a() + addends.b());
		}

		@PulseEvent("chat")
		void chat(PulseConnection connection, ChatMessage message) {
			ChatLine line = new ChatLine(connection.id(), message.text().toUpperCase());
			connection.rooms().forEach((room) -> this.server.broadcast(room, "chat", line));
		}

		@PulseEvent("count")
		String count(PulseMessage message, int value) {
			return message.event() + ":" + (value + 1);
		}

		@PulseEvent("boom")
		void boom(PulseConnection connection) {
			throw new IllegalStateException("handler failure on purpose");
		}

	}

	static class PlainListener implements PulseListener {

		final List<String> events = new CopyOnWriteArrayList<>();

		final List<String> disconnects = new CopyOnWriteArrayList<>();

		@Override
		public void onMessage(PulseConnection connection, PulseMessage message) {
			this.events.add(message.event());
			if (message.event().equals("reject")) {
				throw new InvalidPayloadException("reject is never acceptable");
			}
		}

		@Override
		public void onDisconnect(PulseConnection connection, DisconnectReason reason,
				@Nullable PulseCloseStatus closeStatus) {
			this.disconnects.add(connection.id() + ":" + reason);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class HandlerApplication {

		@Bean
		Handlers handlers(PulseServer server) {
			return new Handlers(server);
		}

		@Bean
		PlainListener plainListener() {
			return new PlainListener();
		}

	}

}
