package io.github.pulse.codec;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.NumericNode;

/**
 * Default codec, on Jackson 3 ({@code tools.jackson}). Payloads are encoded and converted with the application's
 * {@link JsonMapper}, so its modules, naming strategy and features apply to them; they decode to {@link JsonNode}.
 * Frames are read with a streaming parser so that the envelope is validated field by field, with the read limits
 * below whatever the mapper's own are.
 */
public class JacksonPulseCodec implements PulseCodec {

	/** Maximum nesting depth of an inbound frame. */
	public static final int MAX_NESTING_DEPTH = 64;

	/** Maximum number of characters of a number in an inbound frame. */
	public static final int MAX_NUMBER_LENGTH = 256;

	/**
	 * Maximum number of characters of a string in an inbound frame; {@code pulse.max-message-size} is normally the
	 * tighter bound, this one holds whatever that is set to.
	 */
	public static final int MAX_STRING_LENGTH = 16 * 1024 * 1024;

	/** Maximum length of an event name. */
	public static final int MAX_EVENT_LENGTH = 128;

	/** Read limits of inbound frames. */
	static final StreamReadConstraints FRAME_LIMITS = StreamReadConstraints.builder()
		.maxNestingDepth(MAX_NESTING_DEPTH)
		.maxNumberLength(MAX_NUMBER_LENGTH)
		.maxStringLength(MAX_STRING_LENGTH)
		.build();

	private final JsonMapper mapper;

	private final TokenStreamFactory frames;

	/**
	 * Creates a codec on {@link #defaultMapper()}, for use without Spring Boot.
	 */
	public JacksonPulseCodec() {
		this(defaultMapper());
	}

	/**
	 * Creates a codec on the given mapper, normally the application's. The mapper itself is not changed: the codec
	 * reads frames with a copy of its factory bounded by the limits above, and payload trees with a copy that
	 * refuses numbers beyond a double and reads a payload in the middle of a frame.
	 * @param mapper the mapper used to encode and convert payloads
	 */
	public JacksonPulseCodec(JsonMapper mapper) {
		this.mapper = mapper.rebuild()
			.nodeFactory(new FiniteNumberNodeFactory())
			.disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
			.build();
		this.frames = mapper.tokenStreamFactory().rebuild().streamReadConstraints(FRAME_LIMITS).build();
	}

	/**
	 * The mapper of a codec built without one: modules found on the class path, and unknown properties ignored
	 * (newer clients talk to older servers).
	 * @return a new mapper
	 */
	public static JsonMapper defaultMapper() {
		return JsonMapper.builder()
			.findAndAddModules()
			.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.build();
	}

	@Override
	public String encodePayload(@Nullable Object payload) {
		try {
			return this.mapper.writeValueAsString(payload);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("Payload of type " + payload.getClass().getName()
					+ " cannot be encoded as JSON: " + ex.getOriginalMessage(), ex);
		}
	}

	@Override
	public String quote(String value) {
		StringBuilder builder = new StringBuilder(value.length() + 2).append('"');
		JsonStringEncoder.getInstance().quoteAsString(value, builder);
		return builder.append('"').toString();
	}

	@Override
	public InboundFrame decode(String text) throws FrameDecodingException {
		try (JsonParser parser = this.frames.createParser(ObjectReadContext.empty(), text)) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new FrameDecodingException("frame must be a JSON object");
			}
			String type = null;
			String event = null;
			JsonNode payload = null;
			long seq = -1;
			String ref = null;
			long cseq = -1;
			String room = null;
			long history = FrameRules.ABSENT;
			JsonToken token;
			while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
				String field = parser.currentName();
				JsonToken value = parser.nextToken();
				switch (field) {
					case "type" -> type = readString(value, parser, "type");
					case "event" -> event = readString(value, parser, "event");
					case "payload" -> payload = this.mapper.readTree(parser);
					case "seq" -> seq = readSeq(value, parser, "seq");
					case "ref" -> ref = readString(value, parser, "ref");
					// only join and leave frames have a room: elsewhere it is an unknown field, whatever its value
					case "room" -> {
						room = (value == JsonToken.VALUE_STRING) ? parser.getString() : FrameRules.NOT_A_STRING;
						parser.skipChildren();
					}
					case "cseq" -> cseq = readSeq(value, parser, "cseq");
					case "history" -> {
						history = (value == JsonToken.VALUE_NUMBER_INT
								&& parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER)
										? FrameRules.history(parser.getLongValue())
										: FrameRules.NOT_AN_INTEGER;
						parser.skipChildren();
					}
					default -> parser.skipChildren();
				}
			}
			if (token != JsonToken.END_OBJECT) {
				throw new FrameDecodingException("malformed JSON");
			}
			if (hasTrailingData(parser)) {
				throw new FrameDecodingException("trailing data after frame");
			}
			return FrameRules.validate(type, event, (payload != null && !payload.isNull()) ? payload : null, seq, ref,
					cseq, room, history);
		}
		catch (FrameRules.NumberOutOfRangeException ex) {
			throw new FrameDecodingException("number out of range");
		}
		catch (StreamConstraintsException ex) {
			throw new FrameDecodingException(FrameRules.constraintViolated(ex.getOriginalMessage()));
		}
		catch (JacksonException ex) {
			if (ex.getCause() instanceof FrameRules.NumberOutOfRangeException) {
				throw new FrameDecodingException("number out of range");
			}
			throw new FrameDecodingException("malformed JSON");
		}
	}

	/**
	 * Refuses numbers that do not fit a double ({@link FrameRules#finite}).
	 */
	private static final class FiniteNumberNodeFactory extends JsonNodeFactory {

		private static final long serialVersionUID = 1L;

		@Override
		public NumericNode numberNode(double value) {
			return super.numberNode(FrameRules.finite(value));
		}

	}

	private static boolean hasTrailingData(JsonParser parser) {
		try {
			return parser.nextToken() != null;
		}
		catch (JacksonException ex) {
			return true;
		}
	}

	private static String readString(JsonToken token, JsonParser parser, String field)
			throws FrameDecodingException {
		if (token != JsonToken.VALUE_STRING) {
			throw new FrameDecodingException(field + " must be a string");
		}
		return parser.getString();
	}

	private static long readSeq(JsonToken token, JsonParser parser, String field) throws FrameDecodingException {
		if (token != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
			throw new FrameDecodingException(field + " must be an integer");
		}
		return FrameRules.seq(parser.getLongValue(), field);
	}

	@Override
	public <T> @Nullable T convert(@Nullable Object payload, Class<T> type) {
		if (payload == null) {
			return null;
		}
		if (type.isInstance(payload)) {
			return type.cast(payload);
		}
		try {
			return this.mapper.treeToValue((JsonNode) payload, type);
		}
		catch (JacksonException | ClassCastException ex) {
			StringBuilder path = new StringBuilder();
			if (ex instanceof JacksonException jackson) {
				for (JacksonException.Reference reference : jackson.getPath()) {
					FrameRules.appendPathSegment(path, reference.getPropertyName(), reference.getIndex());
				}
			}
			throw FrameRules.conversionFailed(type, path.toString(), ex);
		}
	}

}
