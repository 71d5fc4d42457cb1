package io.github.pulse.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.DisconnectReason;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.ChatTestApplication.Disconnect;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.RawWebSocket;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hostile-input corpus: every malformed inbound frame has a defined outcome (a close status, or acceptance),
 * and never disturbs a bystander in the same room, which keeps receiving every broadcast with consecutive
 * {@code seq}. Frames are written byte for byte by {@link RawWebSocket}, so the corpus includes what no
 * well-behaved client library would send.
 */
@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@Tag("heavy")
class MalformedFrameCorpusTests extends PulseIntegrationTest {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final AtomicInteger ROOMS = new AtomicInteger();

	/** What the server must do with a hostile input. */
	record Expect(@Nullable Integer code, @Nullable String reason, @Nullable DisconnectReason disconnect,
			List<String> broadcasts) {

		/** The connection is closed with this code and reason, and the session ends with this reason. */
		static Expect close(int code, @Nullable String reason, DisconnectReason disconnect) {
			return new Expect(code, reason, disconnect, List.of());
		}

		/** 1007 with the reason, a protocol error. */
		static Expect invalid(String reason) {
			return close(1007, reason, DisconnectReason.PROTOCOL_ERROR);
		}

		/** The connection stays open; the chats it sent reach the room with these payloads (JSON, "-" for none). */
		static Expect accepted(String... broadcastPayloads) {
			return new Expect(null, null, null, List.of(broadcastPayloads));
		}

		@Override
		public String toString() {
			return (this.code != null) ? this.code + " " + this.reason : "accepted " + this.broadcasts;
		}

	}

	/** Writes the hostile input. */
	@FunctionalInterface
	interface Hostile {

		void send(RawWebSocket socket) throws IOException;

	}

	private static Hostile text(String text) {
		return (socket) -> socket.sendText(text);
	}

	private static Hostile bytes(int... values) {
		byte[] bytes = new byte[values.length];
		for (int i = 0; i < values.length; i++) {
			bytes[i] = (byte) values[i];
		}
		return (socket) -> socket.sendText(bytes);
	}

	private static Hostile chatWithPayload(String payloadJson) {
		return text("{\"type\":\"message\",\"event\":\"chat\",\"payload\":" + payloadJson + "}");
	}

	private static String nested(int depth) {
		return "[".repeat(depth) + "]".repeat(depth);
	}

	private static byte[] concat(String prefix, byte[] middle, String suffix) {
		byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
		byte[] tail = suffix.getBytes(StandardCharsets.UTF_8);
		byte[] all = new byte[head.length + middle.length + tail.length];
		System.arraycopy(head, 0, all, 0, head.length);
		System.arraycopy(middle, 0, all, head.length, middle.length);
		System.arraycopy(tail, 0, all, head.length + middle.length, tail.length);
		return all;
	}

	static Stream<Arguments> corpus() {
		String bigString = "\"" + "x".repeat(60_000) + "\"";
		String digits300 = "1".repeat(300);
		return Stream.of(
				// syntax
				Arguments.of("truncated JSON", text("{\"type\":\"message\",\"event\":\"chat\""),
						Expect.invalid("malformed JSON")),
				Arguments.of("not JSON at all", text("hello"), Expect.invalid("malformed JSON")),
				Arguments.of("unbalanced brackets", text("{\"type\":\"ping\"]"), Expect.invalid("malformed JSON")),
				Arguments.of("single-quoted JSON", text("{'type':'ping'}"), Expect.invalid("malformed JSON")),
				Arguments.of("trailing data", text("{\"type\":\"ping\"}{\"type\":\"ping\"}"),
						Expect.invalid("trailing data after frame")),
				Arguments.of("top-level array", text("[{\"type\":\"ping\"}]"),
						Expect.invalid("frame must be a JSON object")),
				Arguments.of("top-level string", text("\"ping\""), Expect.invalid("frame must be a JSON object")),
				Arguments.of("empty text frame", text(""), Expect.invalid("frame must be a JSON object")),
				Arguments.of("whitespace only", text(" \n\t "), Expect.invalid("frame must be a JSON object")),
				Arguments.of("JSON null frame", text("null"), Expect.invalid("frame must be a JSON object")),
				Arguments.of("empty object", text("{}"), Expect.invalid("missing type")),
				// nesting
				Arguments.of("1,000 levels of nesting in the payload", chatWithPayload(nested(1000)),
						Expect.invalid("frame nested too deeply")),
				Arguments.of("1,000 levels of nesting in an unknown field",
						text("{\"type\":\"ping\",\"x\":" + nested(1000) + "}"),
						Expect.invalid("frame nested too deeply")),
				Arguments.of("10,000 unclosed brackets", chatWithPayload("[".repeat(10_000)),
						Expect.invalid("frame nested too deeply")),
				Arguments.of("60 levels of nesting are fine", chatWithPayload(nested(60)),
						Expect.accepted(nested(60))),
				// numbers and strings
				Arguments.of("300-digit integer in the payload", chatWithPayload(digits300),
						Expect.invalid("number too long")),
				Arguments.of("300-digit fraction in the payload", chatWithPayload("0." + digits300),
						Expect.invalid("number too long")),
				Arguments.of("number beyond a double in the payload", chatWithPayload("1e999999999"),
						Expect.invalid("number out of range")),
				Arguments.of("negative number beyond a double in the payload", chatWithPayload("{\"a\":[-2e400]}"),
						Expect.invalid("number out of range")),
				Arguments.of("tiny number underflows to zero", chatWithPayload("1e-999"), Expect.accepted("0.0")),
				Arguments.of("ack seq beyond a long", text("{\"type\":\"ack\",\"seq\":123456789012345678901234567890}"),
						Expect.invalid("seq must be an integer")),
				Arguments.of("ack seq as a fraction", text("{\"type\":\"ack\",\"seq\":1.5}"),
						Expect.invalid("seq must be an integer")),
				Arguments.of("negative ack seq", text("{\"type\":\"ack\",\"seq\":-1}"),
						Expect.invalid("seq must not be negative")),
				Arguments.of("ack seq beyond the last sent", text("{\"type\":\"ack\",\"seq\":2}"),
						Expect.invalid("ack seq beyond last sent")),
				Arguments.of("60,000-character string within the size limit", chatWithPayload(bigString),
						Expect.accepted(bigString)),
				Arguments.of("string over the size limit", chatWithPayload("\"" + "x".repeat(70_000) + "\""),
						Expect.close(1009, "message too big", DisconnectReason.PROTOCOL_ERROR)),
				// encoding and control characters
				Arguments.of("invalid UTF-8 byte", (Hostile) (socket) -> socket.sendText(
						concat("{\"type\":\"message\",\"event\":\"chat\",\"payload\":\"", new byte[] { (byte) 0xff },
								"\"}")),
						Expect.close(1007, null, DisconnectReason.PROTOCOL_ERROR)),
				Arguments.of("overlong UTF-8 encoding of '/'", bytes(0x22, 0xc0, 0xaf, 0x22),
						Expect.close(1007, null, DisconnectReason.PROTOCOL_ERROR)),
				Arguments.of("UTF-16 surrogate encoded as UTF-8", bytes(0x22, 0xed, 0xa0, 0x80, 0x22),
						Expect.close(1007, null, DisconnectReason.PROTOCOL_ERROR)),
				Arguments.of("UTF-8 sequence cut at the end of the message", bytes(0x22, 0xe2, 0x82),
						Expect.close(1007, null, DisconnectReason.PROTOCOL_ERROR)),
				Arguments.of("raw control character inside a string",
						text("{\"type\":\"message\",\"event\":\"chat\",\"payload\":\"a\u0001b\"}"),
						Expect.invalid("malformed JSON")),
				Arguments.of("escaped control character in the event", text("{\"type\":\"message\",\"event\":\"a\\u0000b\"}"),
						Expect.invalid("event must not contain control characters")),
				Arguments.of("newline in the event", text("{\"type\":\"message\",\"event\":\"a\\nb\"}"),
						Expect.invalid("event must not contain control characters")),
				Arguments.of("escaped control characters in the payload are data", chatWithPayload("\"a\\u0000\\u001fb\""),
						Expect.accepted("\"a\\u0000\\u001Fb\"")),
				Arguments.of("byte order mark before the frame", text("\uFEFF{\"type\":\"ping\"}"),
						Expect.invalid("malformed JSON")),
				// event names
				Arguments.of("over-long event name", text("{\"type\":\"message\",\"event\":\"" + "e".repeat(129) + "\"}"),
						Expect.invalid("event must be 1 to 128 characters")),
				Arguments.of("60,000-character event name",
						text("{\"type\":\"message\",\"event\":\"" + "e".repeat(60_000) + "\"}"),
						Expect.invalid("event must be 1 to 128 characters")),
				Arguments.of("empty event name", text("{\"type\":\"message\",\"event\":\"\"}"),
						Expect.invalid("event must be 1 to 128 characters")),
				// field types
				Arguments.of("type is a number", text("{\"type\":1}"), Expect.invalid("type must be a string")),
				Arguments.of("type is null", text("{\"type\":null}"), Expect.invalid("type must be a string")),
				Arguments.of("type is an object", text("{\"type\":{\"a\":1}}"), Expect.invalid("type must be a string")),
				Arguments.of("event is an array", text("{\"type\":\"message\",\"event\":[\"chat\"]}"),
						Expect.invalid("event must be a string")),
				Arguments.of("event is null", text("{\"type\":\"message\",\"event\":null}"),
						Expect.invalid("event must be a string")),
				Arguments.of("message without event", text("{\"type\":\"message\",\"payload\":1}"),
						Expect.invalid("missing event")),
				Arguments.of("ack seq is a string", text("{\"type\":\"ack\",\"seq\":\"1\"}"),
						Expect.invalid("seq must be an integer")),
				Arguments.of("ack without seq", text("{\"type\":\"ack\"}"),
						Expect.invalid("ack needs a non-negative integer seq")),
				// tolerated input
				Arguments.of("null payload", chatWithPayload("null"), Expect.accepted("-")),
				Arguments.of("missing payload", text("{\"type\":\"message\",\"event\":\"chat\"}"), Expect.accepted("-")),
				Arguments.of("extra fields are ignored",
						text("{\"type\":\"message\",\"x\":{\"y\":[1,2,{}]},\"event\":\"chat\",\"payload\":7,\"z\":null}"),
						Expect.accepted("7")),
				Arguments.of("unknown type is ignored", text("{\"type\":\"subscribe\",\"room\":\"admin\"}"),
						Expect.accepted()),
				Arguments.of("type with a different case is unknown", text("{\"type\":\"MESSAGE\",\"event\":\"chat\"}"),
						Expect.accepted()),
				Arguments.of("duplicate field: the last one counts",
						text("{\"type\":\"ping\",\"type\":\"message\",\"event\":\"chat\",\"payload\":1}"),
						Expect.accepted("1")),
				Arguments.of("ping", text("{\"type\":\"ping\"}"), Expect.accepted()),
				Arguments.of("text split into fragments is assembled", (Hostile) (socket) -> {
					byte[] frame = "{\"type\":\"message\",\"event\":\"chat\",\"payload\":\"€\"}"
						.getBytes(StandardCharsets.UTF_8);
					int cut = frame.length - 4; // inside the three bytes of the euro sign
					socket.sendFrame(false, RawWebSocket.TEXT, java.util.Arrays.copyOfRange(frame, 0, cut), true, 0);
					socket.sendFrame(true, RawWebSocket.CONTINUATION,
							java.util.Arrays.copyOfRange(frame, cut, frame.length), true, 0);
				}, Expect.accepted("\"€\"")),
				// frame level
				Arguments.of("binary frame", (Hostile) (socket) -> socket.sendFrame(true, RawWebSocket.BINARY,
						new byte[] { 1, 2, 3 }, true, 0),
						Expect.close(1003, "binary frames not accepted", DisconnectReason.PROTOCOL_ERROR)),
				Arguments.of("empty binary frame", (Hostile) (socket) -> socket.sendFrame(true, RawWebSocket.BINARY,
						new byte[0], true, 0),
						Expect.close(1003, "binary frames not accepted", DisconnectReason.PROTOCOL_ERROR)),
				Arguments.of("continuation without a first fragment",
						(Hostile) (socket) -> socket.sendFrame(true, RawWebSocket.CONTINUATION,
								"{}".getBytes(StandardCharsets.UTF_8), true, 0),
						Expect.close(1002, null, DisconnectReason.PROTOCOL_ERROR)),
				Arguments.of("reserved opcode", (Hostile) (socket) -> socket.sendFrame(true, 0x3, new byte[0], true, 0),
						Expect.close(1002, null, DisconnectReason.PROTOCOL_ERROR)),
				Arguments.of("RSV bits without an extension", (Hostile) (socket) -> socket.sendFrame(true,
						RawWebSocket.TEXT, "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8), true, 0x70),
						Expect.close(1002, null, DisconnectReason.PROTOCOL_ERROR)),
				Arguments.of("unmasked client frame", (Hostile) (socket) -> socket.sendFrame(true, RawWebSocket.TEXT,
						"{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8), false, 0),
						Expect.close(1002, null, DisconnectReason.PROTOCOL_ERROR)),
				Arguments.of("control frame over 125 bytes", (Hostile) (socket) -> socket.sendFrame(true,
						RawWebSocket.PING, new byte[126], true, 0),
						Expect.close(1002, null, DisconnectReason.PROTOCOL_ERROR)));
	}

	@ParameterizedTest(name = "{0} -> {2}")
	@MethodSource("corpus")
	void hostileInputHasItsDefinedOutcomeAndTheBystanderLosesNothing(String name, Hostile hostile, Expect expect)
			throws IOException {
		String room = "corpus-" + ROOMS.incrementAndGet();
		try (Connected bystander = connect("?room=" + room);
				RawWebSocket attacker = RawWebSocket.connect(this.port, "/pulse?room=" + room)) {
			String attackerId = JSON.readTree(attacker.nextText()).path("connectionId").asText();
			Awaitility.await().atMost(Duration.ofSeconds(10))
				.until(() -> this.manager.connections(room).size() == 2);
			this.manager.broadcast(room, "marker", "before");
			assertThat(JSON.readTree(attacker.nextText()).path("payload").asText()).isEqualTo("before");

			hostile.send(attacker);

			List<String> payloads = new ArrayList<>();
			if (expect.code() != null) {
				RawWebSocket.Frame close = attacker.awaitClose();
				assertThat(close).as("close frame").isNotNull();
				assertThat(close.closeCode()).isEqualTo(expect.code());
				if (expect.reason() != null) {
					assertThat(close.closeReason()).isEqualTo(expect.reason());
				}
				Awaitility.await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(this.recorder.disconnectsOf(attackerId)).hasSize(1));
				Disconnect disconnect = this.recorder.disconnectsOf(attackerId).get(0);
				assertThat(disconnect.reason()).isEqualTo(expect.disconnect());
				assertThat(this.manager.connections(room)).extracting("id").containsExactly(bystander.id());
			}
			else {
				attacker.sendText("{\"type\":\"message\",\"event\":\"chat\",\"payload\":\"after\"}");
				receiveUntil(bystander.client(), "\"after\"", payloads);
				assertThat(this.recorder.disconnectsOf(attackerId)).isEmpty();
			}
			this.manager.broadcast(room, "marker", "final");
			receiveUntil(bystander.client(), "\"final\"", payloads);

			List<String> expected = new ArrayList<>();
			expected.add("\"before\"");
			expected.addAll(expect.broadcasts());
			if (expect.code() == null) {
				expected.add("\"after\"");
			}
			expected.add("\"final\"");
			assertThat(payloads).isEqualTo(expected);
			assertThat(this.recorder.disconnectsOf(bystander.id())).isEmpty();
		}
	}

	/**
	 * Adds the message payloads the bystander receives up to the given one, asserting consecutive seq from 1.
	 */
	private static void receiveUntil(TestClient client, String last, List<String> payloads) {
		while (true) {
			JsonNode frame = client.nextOfType("message");
			assertThat(frame.path("seq").asLong()).as("seq of " + frame).isEqualTo(payloads.size() + 1);
			String payload = frame.has("payload") ? frame.get("payload").toString() : "-";
			payloads.add(payload);
			if (last.equals(payload)) {
				return;
			}
		}
	}

}
