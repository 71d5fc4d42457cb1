package io.github.pulse.codec;

import java.util.Objects;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Limits and behaviour of both Jackson codecs, Jackson 3 (the default) and Jackson 2 (where it is alone): the same
 * frames give the same results, beyond what fits a WebSocket message of the default size.
 */
class JacksonPulseCodecsTests {

	static Stream<Arguments> codecs() {
		return Stream.of(Arguments.of("Jackson 3", new JacksonPulseCodec()),
				Arguments.of("Jackson 2", new Jackson2PulseCodec()));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("codecs")
	void millionLevelsOfNestingAreRefusedWithoutAStackOverflow(String jackson, PulseCodec codec) {
		String frame = "{\"type\":\"message\",\"event\":\"chat\",\"payload\":" + "[".repeat(1_000_000) + "}";
		assertThatExceptionOfType(FrameDecodingException.class).isThrownBy(() -> codec.decode(frame))
			.withMessage("frame nested too deeply");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("codecs")
	void nestingUpToTheLimitIsAccepted(String jackson, PulseCodec codec) throws FrameDecodingException {
		int depth = JacksonPulseCodec.MAX_NESTING_DEPTH - 1;
		String payload = "[".repeat(depth) + "]".repeat(depth);
		InboundFrame frame = codec.decode("{\"type\":\"message\",\"event\":\"chat\",\"payload\":" + payload + "}");
		assertThat(frame.payload()).hasToString(payload);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("codecs")
	void numbersLongerThanTheLimitAreRefused(String jackson, PulseCodec codec) throws FrameDecodingException {
		String longest = "9".repeat(JacksonPulseCodec.MAX_NUMBER_LENGTH);
		assertThat(codec.decode("{\"type\":\"message\",\"event\":\"n\",\"payload\":" + longest + "}").payload())
			.hasToString(longest);
		assertThatExceptionOfType(FrameDecodingException.class)
			.isThrownBy(() -> codec.decode("{\"type\":\"message\",\"event\":\"n\",\"payload\":9" + longest + "}"))
			.withMessage("number too long");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("codecs")
	void stringsLongerThanTheLimitAreRefused(String jackson, PulseCodec codec) {
		String text = "x".repeat(JacksonPulseCodec.MAX_STRING_LENGTH + 1);
		assertThatExceptionOfType(FrameDecodingException.class)
			.isThrownBy(() -> codec.decode("{\"type\":\"message\",\"event\":\"s\",\"payload\":\"" + text + "\"}"))
			.withMessage("string too long");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("codecs")
	void numbersBeyondADoubleAreRefusedRatherThanTurnedIntoInfinity(String jackson, PulseCodec codec) {
		assertThatExceptionOfType(FrameDecodingException.class)
			.isThrownBy(() -> codec.decode("{\"type\":\"message\",\"event\":\"n\",\"payload\":-1e309}"))
			.withMessage("number out of range");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("codecs")
	void aConversionFailureNamesTheTypeAndTheJsonPathButNeverTheValue(String jackson, PulseCodec codec) throws FrameDecodingException {
		Object payload = codec
			.decode("{\"type\":\"message\",\"event\":\"o\",\"payload\":{\"lines\":[{\"quantity\":1},"
					+ "{\"quantity\":\"secret-value\"}]}}")
			.payload();
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> codec.convert(payload, Order.class))
			.withMessage("Payload cannot be converted to " + Order.class.getName()
					+ " at $.lines[1].quantity (InvalidFormatException)")
			.withNoCause();
	}

	static Stream<Arguments> refusedFrames() {
		return crossed(Stream.of(Arguments.of("{\"type\":\"message\",\"event\":\"chat\"", "malformed JSON"),
				Arguments.of("hello", "malformed JSON"), Arguments.of("{\"type\":\"ping\"]", "malformed JSON"),
				Arguments.of("{'type':'ping'}", "malformed JSON"),
				Arguments.of("{\"type\":\"ping\"}{\"type\":\"ping\"}", "trailing data after frame"),
				Arguments.of("[{\"type\":\"ping\"}]", "frame must be a JSON object"),
				Arguments.of("\"ping\"", "frame must be a JSON object"), Arguments.of("", "frame must be a JSON object"),
				Arguments.of("null", "frame must be a JSON object"), Arguments.of("{}", "missing type"),
				Arguments.of("{\"type\":\"ping\",\"x\":" + "[".repeat(100) + "]".repeat(100) + "}",
						"frame nested too deeply"),
				Arguments.of(chat("0." + "1".repeat(300)), "number too long"),
				Arguments.of(chat("{\"a\":[-2e400]}"), "number out of range"),
				Arguments.of("{\"type\":\"ack\",\"seq\":123456789012345678901234567890}", "seq must be an integer"),
				Arguments.of("{\"type\":\"ack\",\"seq\":1.5}", "seq must be an integer"),
				Arguments.of("{\"type\":\"ack\",\"seq\":\"1\"}", "seq must be an integer"),
				Arguments.of("{\"type\":\"ack\",\"seq\":-1}", "seq must not be negative"),
				Arguments.of("{\"type\":\"ack\"}", "ack needs a non-negative integer seq"),
				Arguments.of(chat("\"a\u0001b\""), "malformed JSON"),
				Arguments.of("\uFEFF{\"type\":\"ping\"}", "malformed JSON"),
				Arguments.of("{\"type\":\"message\",\"event\":\"a\\u0000b\"}",
						"event must not contain control characters"),
				Arguments.of("{\"type\":\"message\",\"event\":\"" + "e".repeat(129) + "\"}",
						"event must be 1 to 128 characters"),
				Arguments.of("{\"type\":\"message\",\"event\":\"\"}", "event must be 1 to 128 characters"),
				Arguments.of("{\"type\":1}", "type must be a string"), Arguments.of("{\"type\":null}", "type must be a string"),
				Arguments.of("{\"type\":\"message\",\"event\":[\"chat\"]}", "event must be a string"),
				Arguments.of("{\"type\":\"message\",\"payload\":1}", "missing event"),
				Arguments.of("{\"type\":\"join\",\"ref\":\"1\"}", "missing room"),
				Arguments.of("{\"type\":\"leave\",\"ref\":\"1\"}", "missing room"),
				Arguments.of("{\"type\":\"join\",\"room\":null,\"ref\":\"1\"}", "room must be a string"),
				Arguments.of("{\"type\":\"leave\",\"room\":{\"a\":[1]},\"ref\":\"1\"}", "room must be a string"),
				Arguments.of("{\"type\":\"join\",\"room\":\"r\",\"ref\":1}", "ref must be a string"),
				Arguments.of(joinWithHistory("-1"), HISTORY_RANGE), Arguments.of(joinWithHistory("1001"), HISTORY_RANGE),
				Arguments.of(joinWithHistory("\"5\""), HISTORY_RANGE), Arguments.of(joinWithHistory("2.5"), HISTORY_RANGE),
				Arguments.of(joinWithHistory("null"), HISTORY_RANGE), Arguments.of(joinWithHistory("[5]"), HISTORY_RANGE),
				Arguments.of(joinWithHistory("{\"n\":5}"), HISTORY_RANGE),
				Arguments.of(joinWithHistory("-9223372036854775808"), HISTORY_RANGE),
				Arguments.of(joinWithHistory("99999999999999999999"), HISTORY_RANGE)));
	}

	private static final String HISTORY_RANGE = "history must be an integer from 0 to 1000";

	static String joinWithHistory(String history) {
		return "{\"type\":\"join\",\"room\":\"r\",\"ref\":\"1\",\"history\":" + history + "}";
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("codecs")
	void aJoinKeepsTheHistoryItAsksForAndOtherFramesIgnoreTheField(String jackson, PulseCodec codec)
			throws FrameDecodingException {
		assertThat(codec.decode(joinWithHistory("20")).history()).isEqualTo(20);
		assertThat(codec.decode(joinWithHistory("1000")).history()).isEqualTo(1000);
		assertThat(codec.decode(joinWithHistory("0")).history()).isZero();
		assertThat(codec.decode("{\"type\":\"join\",\"room\":\"r\",\"ref\":\"1\"}").history()).isZero();
		assertThat(codec.decode("{\"type\":\"leave\",\"room\":\"r\",\"ref\":\"1\",\"history\":\"x\"}").history())
			.isZero();
		assertThat(codec.decode("{\"type\":\"message\",\"event\":\"e\",\"history\":[1]}").event()).isEqualTo("e");
	}

	static Stream<Arguments> roomFrames() {
		return crossed(Stream.of(
				Arguments.of("{\"type\":\"join\",\"room\":\"chat-1\",\"ref\":\"1\"}", "join chat-1 1"),
				Arguments.of("{\"ref\":\"r\",\"room\":\"x\",\"type\":\"leave\",\"extra\":[1]}", "leave x r"),
				// the engine judges the name and the ref
				Arguments.of("{\"type\":\"join\",\"room\":\"not a room\"}", "join not a room null"),
				Arguments.of("{\"type\":\"join\",\"room\":\"\",\"ref\":\"\"}", "join  ")));
	}

	@ParameterizedTest(name = "{0}: {1}")
	@MethodSource("roomFrames")
	void aJoinOrLeaveKeepsItsRoomAndRefAsSent(String jackson, String frame, String decoded, PulseCodec codec)
			throws FrameDecodingException {
		InboundFrame inbound = codec.decode(frame);
		assertThat(inbound.type() + " " + inbound.room() + " " + inbound.ref()).isEqualTo(decoded);
		assertThat(inbound.event()).isNull();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("codecs")
	void aRoomFieldOutsideAJoinOrLeaveIsAnUnknownFieldWhateverItsValue(String jackson, PulseCodec codec)
			throws FrameDecodingException {
		assertThat(codec.decode("{\"type\":\"message\",\"event\":\"e\",\"room\":[{\"a\":1}],\"payload\":2}").room())
			.isNull();
		assertThat(codec.decode("{\"type\":\"ping\",\"room\":5}").type()).isEqualTo("ping");
	}

	@ParameterizedTest(name = "{0}: {1}")
	@MethodSource("refusedFrames")
	void aRefusedFrameNamesWhatIsWrong(String jackson, String frame, String reason, PulseCodec codec) {
		assertThatExceptionOfType(FrameDecodingException.class).isThrownBy(() -> codec.decode(frame))
			.withMessage(reason);
	}

	static Stream<Arguments> acceptedFrames() {
		return crossed(Stream.of(Arguments.of(chat("1e-999"), "message chat 0.0"),
				Arguments.of(chat("\"a\\u0000\\u001fb\""), "message chat \"a\\u0000\\u001Fb\""),
				Arguments.of(chat("null"), "message chat -"),
				Arguments.of("{\"type\":\"message\",\"event\":\"chat\"}", "message chat -"),
				Arguments.of("{\"type\":\"message\",\"x\":{\"y\":[1,2,{}]},\"event\":\"chat\",\"payload\":7,\"z\":null}",
						"message chat 7"),
				Arguments.of(chat("12345678901234567890123"), "message chat 12345678901234567890123"),
				Arguments.of(chat("0.1"), "message chat 0.1"),
				Arguments.of(chat("{\"b\":1,\"a\":[true,\"€\"]}"), "message chat {\"b\":1,\"a\":[true,\"€\"]}"),
				Arguments.of("{\"type\":\"subscribe\",\"room\":\"admin\"}", "subscribe - -"),
				Arguments.of("{\"type\":\"ping\",\"type\":\"message\",\"event\":\"chat\",\"payload\":1}",
						"message chat 1"),
				Arguments.of("{\"type\":\"ack\",\"seq\":9007199254740993}", "ack - - 9007199254740993")));
	}

	@ParameterizedTest(name = "{0}: {1}")
	@MethodSource("acceptedFrames")
	void anAcceptedFrameKeepsItsPayloadAsSent(String jackson, String frame, String decoded, PulseCodec codec)
			throws FrameDecodingException {
		InboundFrame inbound = codec.decode(frame);
		String payload = (inbound.payload() != null) ? codec.encodePayload(inbound.payload()) : "-";
		assertThat(inbound.type() + " " + Objects.requireNonNullElse(inbound.event(), "-") + " " + payload
				+ ((inbound.seq() >= 0) ? " " + inbound.seq() : ""))
			.isEqualTo(decoded);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("codecs")
	void stringsAreQuotedAsJsonStringLiterals(String jackson, PulseCodec codec) {
		assertThat(codec.quote("a\"b\\c\n\u0001é€😀</script>")).isEqualTo("\"a\\\"b\\\\c\\n\\u0001é€😀</script>\"");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("codecs")
	void payloadsEncodeAsJson(String jackson, PulseCodec codec) {
		assertThat(codec.encodePayload(null)).isEqualTo("null");
		assertThat(codec.encodePayload(new Line(3))).isEqualTo("{\"quantity\":3}");
		assertThat(codec.encodePayload(java.util.Map.of("big", new java.math.BigDecimal("0.10"))))
			.isEqualTo("{\"big\":0.10}");
		assertThat(codec.encodePayload(Long.MAX_VALUE)).isEqualTo("9223372036854775807");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("codecs")
	void payloadsConvertToRecordsIgnoringUnknownFields(String jackson, PulseCodec codec) throws FrameDecodingException {
		Object payload = codec.decode(chat("{\"quantity\":2,\"added\":\"later\"}")).payload();
		assertThat(codec.convert(payload, Line.class)).isEqualTo(new Line(2));
		assertThat(codec.convert(payload, payload.getClass())).isSameAs(payload);
		assertThat(codec.convert(null, Line.class)).isNull();
	}

	private static String chat(String payload) {
		return "{\"type\":\"message\",\"event\":\"chat\",\"payload\":" + payload + "}";
	}

	/** Each case once per codec: the codec's name first, the codec last. */
	private static Stream<Arguments> crossed(Stream<Arguments> cases) {
		return cases.flatMap((testCase) -> codecs().map((codec) -> {
			Object[] values = testCase.get();
			Object[] all = new Object[values.length + 2];
			all[0] = codec.get()[0];
			System.arraycopy(values, 0, all, 1, values.length);
			all[all.length - 1] = codec.get()[1];
			return Arguments.of(all);
		}));
	}

	record Order(java.util.List<Line> lines) {
	}

	record Line(int quantity) {
	}

}
