package io.github.pulse.codec;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NumericNode;
import org.jspecify.annotations.Nullable;

/**
 * Codec on Jackson 2 ({@code com.fasterxml.jackson}), for applications that have Jackson 2 and not Jackson 3; the
 * auto-configuration picks {@link JacksonPulseCodec} whenever Jackson 3 is present. Same wire format, limits and
 * error messages as {@link JacksonPulseCodec}; payloads decode to Jackson 2's {@link JsonNode} and convert with the
 * given {@link ObjectMapper}.
 */
public class Jackson2PulseCodec implements PulseCodec {

	private final ObjectMapper mapper;

	/**
	 * Creates a codec with a default {@link JsonMapper}: modules found on the class path, unknown properties ignored.
	 */
	public Jackson2PulseCodec() {
		// clients may send fields a handler's payload type does not know: newer clients talk to older servers
		this(JsonMapper.builder()
			.findAndAddModules()
			.disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.build());
	}

	/**
	 * Creates a codec on the given mapper. A copy of its factory is made with bounded nesting depth, number and
	 * string lengths, so the mapper itself is not changed.
	 * @param mapper the mapper used to encode and convert payloads
	 */
	public Jackson2PulseCodec(ObjectMapper mapper) {
		ObjectMapper copy = mapper.copy();
		copy.getFactory()
			.setStreamReadConstraints(StreamReadConstraints.builder()
				.maxNestingDepth(JacksonPulseCodec.MAX_NESTING_DEPTH)
				.maxNumberLength(JacksonPulseCodec.MAX_NUMBER_LENGTH)
				.maxStringLength(JacksonPulseCodec.MAX_STRING_LENGTH)
				.build());
		copy.setNodeFactory(new FiniteNumberNodeFactory());
		this.mapper = copy;
	}

	@Override
	public String encodePayload(@Nullable Object payload) {
		try {
			return this.mapper.writeValueAsString(payload);
		}
		catch (JsonProcessingException ex) {
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
		try (JsonParser parser = this.mapper.createParser(text)) {
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
			while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
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
						room = (value == JsonToken.VALUE_STRING) ? parser.getText() : FrameRules.NOT_A_STRING;
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
		catch (FrameDecodingException ex) {
			throw ex;
		}
		catch (FrameRules.NumberOutOfRangeException ex) {
			throw new FrameDecodingException("number out of range");
		}
		catch (StreamConstraintsException ex) {
			throw new FrameDecodingException(FrameRules.constraintViolated(ex.getOriginalMessage()));
		}
		catch (IOException ex) {
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
		catch (IOException ex) {
			return true;
		}
	}

	private static String readString(JsonToken token, JsonParser parser, String field)
			throws IOException, FrameDecodingException {
		if (token != JsonToken.VALUE_STRING) {
			throw new FrameDecodingException(field + " must be a string");
		}
		return parser.getText();
	}

	private static long readSeq(JsonToken token, JsonParser parser, String field)
			throws IOException, FrameDecodingException {
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
		catch (JsonProcessingException | ClassCastException ex) {
			StringBuilder path = new StringBuilder();
			if (ex instanceof JsonMappingException mapping) {
				for (JsonMappingException.Reference reference : mapping.getPath()) {
					FrameRules.appendPathSegment(path, reference.getFieldName(), reference.getIndex());
				}
			}
			throw FrameRules.conversionFailed(type, path.toString(), ex);
		}
	}

}
