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
 * Default codec on Jackson 2. Payloads decode to {@link JsonNode} and convert with the configured
 * {@link ObjectMapper}. Frames are read with a streaming parser so that the envelope is validated field by field
 * and nesting depth is bounded.
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

	private final ObjectMapper mapper;

	/**
	 * Creates a codec with a default {@link JsonMapper}.
	 */
	public JacksonPulseCodec() {
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
	public JacksonPulseCodec(ObjectMapper mapper) {
		ObjectMapper copy = mapper.copy();
		copy.getFactory()
			.setStreamReadConstraints(StreamReadConstraints.builder()
				.maxNestingDepth(MAX_NESTING_DEPTH)
				.maxNumberLength(MAX_NUMBER_LENGTH)
				.maxStringLength(MAX_STRING_LENGTH)
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
					case "cseq" -> cseq = readSeq(value, parser, "cseq");
					default -> parser.skipChildren();
				}
			}
			if (token != JsonToken.END_OBJECT) {
				throw new FrameDecodingException("malformed JSON");
			}
			if (hasTrailingData(parser)) {
				throw new FrameDecodingException("trailing data after frame");
			}
			if (type == null) {
				throw new FrameDecodingException("missing type");
			}
			return validate(type, event, payload, seq, ref, cseq);
		}
		catch (FrameDecodingException ex) {
			throw ex;
		}
		catch (NumberOutOfRangeException ex) {
			throw new FrameDecodingException("number out of range");
		}
		catch (StreamConstraintsException ex) {
			throw new FrameDecodingException(constraintViolated(ex));
		}
		catch (IOException ex) {
			throw new FrameDecodingException("malformed JSON");
		}
	}

	/**
	 * Refuses numbers that do not fit a double, such as {@code 1e999}: as a double they become Infinity, which JSON
	 * cannot carry, so a relayed payload would change meaning.
	 */
	private static final class FiniteNumberNodeFactory extends JsonNodeFactory {

		private static final long serialVersionUID = 1L;

		@Override
		public NumericNode numberNode(double value) {
			if (!Double.isFinite(value)) {
				throw new NumberOutOfRangeException();
			}
			return super.numberNode(value);
		}

	}

	private static final class NumberOutOfRangeException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		NumberOutOfRangeException() {
			super("number out of range", null, false, false);
		}

	}

	private static String constraintViolated(StreamConstraintsException ex) {
		String message = String.valueOf(ex.getOriginalMessage());
		if (message.startsWith("Number")) {
			return "number too long";
		}
		if (message.startsWith("String")) {
			return "string too long";
		}
		return "frame nested too deeply";
	}

	private static boolean hasTrailingData(JsonParser parser) {
		try {
			return parser.nextToken() != null;
		}
		catch (IOException ex) {
			return true;
		}
	}

	private static InboundFrame validate(String type, @Nullable String event, @Nullable JsonNode payload, long seq,
			@Nullable String ref, long cseq) throws FrameDecodingException {
		if (InboundFrame.MESSAGE.equals(type)) {
			if (event == null) {
				throw new FrameDecodingException("missing event");
			}
			if (event.isEmpty() || event.length() > MAX_EVENT_LENGTH) {
				throw new FrameDecodingException("event must be 1 to " + MAX_EVENT_LENGTH + " characters");
			}
			for (int i = 0; i < event.length(); i++) {
				if (Character.isISOControl(event.charAt(i))) {
					throw new FrameDecodingException("event must not contain control characters");
				}
			}
			return new InboundFrame(type, event, (payload != null && !payload.isNull()) ? payload : null, -1, ref,
					cseq);
		}
		if (InboundFrame.ACK.equals(type) && seq < 0) {
			throw new FrameDecodingException("ack needs a non-negative integer seq");
		}
		return new InboundFrame(type, null, null, seq);
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
		long seq = parser.getLongValue();
		if (seq < 0) {
			throw new FrameDecodingException(field + " must not be negative");
		}
		return seq;
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
			// not chained: Jackson's message quotes the value it could not read, and would reach any log
			throw new IllegalArgumentException("Payload cannot be converted to " + type.getName() + location(ex)
					+ " (" + ex.getClass().getSimpleName() + ")");
		}
	}

	/**
	 * Where in the payload a conversion failed, as a JSON path of property names and indexes, never a value.
	 */
	private static String location(Exception failure) {
		if (!(failure instanceof JsonMappingException mapping) || mapping.getPath().isEmpty()) {
			return "";
		}
		StringBuilder path = new StringBuilder(" at $");
		for (JsonMappingException.Reference reference : mapping.getPath()) {
			if (reference.getFieldName() != null) {
				path.append('.').append(reference.getFieldName());
			}
			else if (reference.getIndex() >= 0) {
				path.append('[').append(reference.getIndex()).append(']');
			}
		}
		return path.toString();
	}

}
