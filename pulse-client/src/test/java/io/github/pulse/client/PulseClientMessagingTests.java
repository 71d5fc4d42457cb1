package io.github.pulse.client;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Sessions, sends, typed and raw messages, and closing, against a real pulse server.
 */
class PulseClientMessagingTests {

	static PulseTestServer server;

	@BeforeAll
	static void startServer() {
		server = PulseTestServer.start();
	}

	@AfterAll
	static void stopServer() throws Exception {
		server.close();
	}

	record Chat(String from, String text) {
	}

	@Test
	void welcomeOpensTheSessionAndChatArrivesTypedAndRaw() {
		Recorder recorder = new Recorder();
		List<Chat> chats = new CopyOnWriteArrayList<>();
		try (PulseClient client = PulseClient.builder(server.url("?room=lobby"))
			.listener(recorder)
			.on("chat", Chat.class, chats::add)
			.connect()) {
			Welcome welcome = client.opened().join();
			assertThat(client.state()).isEqualTo(ClientState.OPEN);
			assertThat(welcome.rooms()).containsExactly("lobby");
			assertThat(welcome.reconnect()).isFalse();
			assertThat(welcome.resumeFailed()).isNull();
			assertThat(welcome.resumeWindow()).isEqualTo(Duration.ofSeconds(30));
			assertThat(welcome.protocol()).as("subprotocol offered by default").isEqualTo("pulse.v1");
			assertThat(client.connectionId()).isEqualTo(welcome.connectionId());
			client.send("chat", new Chat("ann", "hello")).join();
			await().untilAsserted(() -> assertThat(chats).containsExactly(new Chat("ann", "hello")));
			ClientMessage raw = recorder.messages.get(0);
			assertThat(raw.seq()).isEqualTo(1);
			assertThat(raw.event()).isEqualTo("chat");
			assertThat(raw.room()).isEqualTo("lobby");
			assertThat(raw.payload().path("text").asText()).isEqualTo("hello");
			assertThat(raw.json()).contains("\"type\":\"message\"");
			assertThat(recorder.states).containsExactly(ClientState.OPEN);
		}
	}

	@Test
	void serverThatOffersNoneOfTheClientsSubprotocolsRefusesItFinally() {
		try (PulseClient client = PulseClient.builder(server.url("")).subprotocols("chat.v9").connect()) {
			await().untilAsserted(() -> assertThat(client.state()).isEqualTo(ClientState.FAILED));
			assertThat(client.opened()).failsWithin(Duration.ofSeconds(5)).withThrowableThat().satisfies((failure) -> {
				Throwable cause = failure;
				while (cause != null && !(cause instanceof HandshakeRejectedException)) {
					cause = cause.getCause();
				}
				assertThat(cause).as("cause of %s", failure).isInstanceOf(HandshakeRejectedException.class);
				assertThat(((HandshakeRejectedException) cause).status()).isEqualTo(400);
			});
		}
	}

	@Test
	void sendsBeforeTheWelcomeAreQueuedAndGoOutOnceTheSessionOpens() {
		List<Integer> echoes = new CopyOnWriteArrayList<>();
		try (PulseClient client = PulseClient.builder(server.url(""))
			.on("echo", Integer.class, echoes::add)
			.connect()) {
			for (int i = 0; i < 10; i++) {
				client.send("echo", i);
			}
			await().untilAsserted(() -> assertThat(echoes).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
		}
	}

	record Signature(String fromName) {
	}

	@Test
	void theApplicationsJsonMapperWritesAndReadsPayloads() {
		JsonMapper snakeCase = JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
		Recorder recorder = new Recorder();
		List<Signature> echoes = new CopyOnWriteArrayList<>();
		try (PulseClient client = PulseClient.builder(server.url(""))
			.jsonMapper(snakeCase)
			.listener(recorder)
			.on("echo", Signature.class, echoes::add)
			.connect()) {
			client.send("echo", new Signature("ann")).join();
			await().untilAsserted(() -> assertThat(echoes).containsExactly(new Signature("ann")));
			assertThat(recorder.messages.get(0).payload().path("from_name").asString()).isEqualTo("ann");
		}
	}

	@Test
	void payloadThatDoesNotFitTheTypedHandlerIsReportedAsAnError() {
		Recorder recorder = new Recorder();
		try (PulseClient client = PulseClient.builder(server.url(""))
			.listener(recorder)
			.on("echo", Chat.class, (chat) -> {
			})
			.connect()) {
			client.send("echo", List.of(1, 2)).join();
			await().untilAsserted(() -> assertThat(recorder.errors).singleElement()
				.satisfies((error) -> assertThat(error).isInstanceOf(PulseClientException.class)
					.hasMessageContaining("cannot be read as")));
			assertThat(client.state()).isEqualTo(ClientState.OPEN);
		}
	}

	@Test
	void closeSendsNormalClosureAndTheServerEndsTheSessionInsteadOfSuspendingIt() {
		Recorder recorder = new Recorder();
		PulseClient client = PulseClient.builder(server.url("")).listener(recorder).connect();
		String id = client.opened().join().connectionId();
		client.close(Duration.ofSeconds(10));
		assertThat(client.state()).isEqualTo(ClientState.CLOSED);
		assertThat(client.closed().join().code()).isEqualTo(1000);
		await().untilAsserted(() -> assertThat(server.pulse().connection(id)).isNull());
		assertThat(server.pulse().suspendedCount()).isZero();
		client.close();
		assertThat(recorder.closes).hasSize(1);
		assertThat(client.send("echo", 1)).isCompletedExceptionally();
	}

	@Test
	void headersGoWithEveryHandshakeAndAForeignOriginIsRefusedForGood() {
		PulseClient fixed = PulseClient.builder(server.url("")).header("Origin", "https://evil.example").connect();
		PulseClient supplied = PulseClient.builder(server.url(""))
			.headers(() -> Map.of("Origin", "https://evil.example"))
			.retryInitialConnect(true)
			.connect();
		for (PulseClient client : List.of(fixed, supplied)) {
			assertThat(client.opened()).failsWithin(Duration.ofSeconds(10))
				.withThrowableOfType(Exception.class)
				.havingCause()
				.isInstanceOfSatisfying(HandshakeRejectedException.class,
						(rejected) -> assertThat(rejected.status()).isEqualTo(403));
			assertThat(client.state()).isEqualTo(ClientState.FAILED);
		}
		try (PulseClient client = PulseClient.builder(server.url(""))
			.header("Origin", "http://127.0.0.1:" + server.proxy().port())
			.connect()) {
			assertThat(client.opened()).succeedsWithin(Duration.ofSeconds(10));
		}
	}

	@Test
	void headersTheJdkSetsItselfAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> PulseClient.builder(server.url("")).header("Upgrade", "x"))
			.withMessageContaining("'Upgrade' is set by the JDK");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> PulseClient.builder(server.url("")).header("Sec-WebSocket-Protocol", "x"));
		PulseClient client = PulseClient.builder(server.url(""))
			.headers(() -> Map.of("Host", "elsewhere"))
			.retryInitialConnect(true)
			.connect();
		assertThat(client.opened()).failsWithin(Duration.ofSeconds(10))
			.withThrowableOfType(Exception.class)
			.withCauseInstanceOf(IllegalArgumentException.class);
		assertThat(client.state()).isEqualTo(ClientState.FAILED);
	}

}
