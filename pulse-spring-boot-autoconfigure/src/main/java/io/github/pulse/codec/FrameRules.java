package io.github.pulse.codec;

import org.jspecify.annotations.Nullable;

/**
 * What both Jackson codecs check once an inbound frame is parsed, and how they name a broken limit: one set of rules
 * whichever Jackson reads the text.
 */
final class FrameRules {

	/**
	 * Stands for a {@code room} field that is not a string: an error in a join or leave frame, an unknown field's
	 * value in any other. Compared by identity, so no string sent by a client is taken for it.
	 */
	@SuppressWarnings("StringOperationCanBeSimplified")
	static final String NOT_A_STRING = new String("not a string");

	/** Stands for a {@code history} field that is not an integer (or does not fit a long). */
	static final long NOT_AN_INTEGER = Long.MIN_VALUE;

	/** A {@code history} field that is absent. */
	static final long ABSENT = -1;

	private FrameRules() {
	}

	/**
	 * A {@code history} value once the parser saw an integer token: a negative one is as wrong as a non-integer.
	 */
	static long history(long value) {
		return (value < 0) ? NOT_AN_INTEGER : value;
	}

	/**
	 * The frame, once its fields are read.
	 * @param payload the payload, {@code null} when absent or JSON {@code null}
	 */
	static InboundFrame validate(@Nullable String type, @Nullable String event, @Nullable Object payload, long seq,
			@Nullable String ref, long cseq, @Nullable String room, long history) throws FrameDecodingException {
		if (type == null) {
			throw new FrameDecodingException("missing type");
		}
		if (InboundFrame.MESSAGE.equals(type)) {
			if (event == null) {
				throw new FrameDecodingException("missing event");
			}
			if (event.isEmpty() || event.length() > JacksonPulseCodec.MAX_EVENT_LENGTH) {
				throw new FrameDecodingException(
						"event must be 1 to " + JacksonPulseCodec.MAX_EVENT_LENGTH + " characters");
			}
			for (int i = 0; i < event.length(); i++) {
				if (Character.isISOControl(event.charAt(i))) {
					throw new FrameDecodingException("event must not contain control characters");
				}
			}
			return new InboundFrame(type, event, payload, -1, ref, cseq);
		}
		if (InboundFrame.JOIN.equals(type) || InboundFrame.LEAVE.equals(type)) {
			// the engine judges the ref and the room name, which decide between an answer and a close
			if (room == null) {
				throw new FrameDecodingException("missing room");
			}
			if (room == NOT_A_STRING) {
				throw new FrameDecodingException("room must be a string");
			}
			if (InboundFrame.LEAVE.equals(type) || history == ABSENT) {
				// only a join asks for history: elsewhere it is an unknown field, whatever its value
				return new InboundFrame(type, null, null, -1, ref, -1, room, 0);
			}
			if (history < 0 || history > InboundFrame.MAX_HISTORY) {
				throw new FrameDecodingException("history must be an integer from 0 to " + InboundFrame.MAX_HISTORY);
			}
			return new InboundFrame(type, null, null, -1, ref, -1, room, (int) history);
		}
		if (InboundFrame.ACK.equals(type) && seq < 0) {
			throw new FrameDecodingException("ack needs a non-negative integer seq");
		}
		return new InboundFrame(type, null, null, seq);
	}

	/**
	 * The close reason for a read limit the parser enforced, from the parser's own message.
	 */
	static String constraintViolated(@Nullable String parserMessage) {
		String message = String.valueOf(parserMessage);
		if (message.startsWith("Number")) {
			return "number too long";
		}
		if (message.startsWith("String")) {
			return "string too long";
		}
		return "frame nested too deeply";
	}

	/**
	 * A seq value once the parser saw an integer token.
	 */
	static long seq(long value, String field) throws FrameDecodingException {
		if (value < 0) {
			throw new FrameDecodingException(field + " must not be negative");
		}
		return value;
	}

	/**
	 * The message of a failed conversion: the target type and where in the payload, never a value.
	 * @param path the failure's path as JSON path segments ({@code .name} or {@code [index]}), empty if unknown
	 */
	static IllegalArgumentException conversionFailed(Class<?> type, String path, Exception failure) {
		// not chained: Jackson's message quotes the value it could not read, and would reach any log
		return new IllegalArgumentException("Payload cannot be converted to " + type.getName()
				+ (path.isEmpty() ? "" : " at $" + path) + " (" + failure.getClass().getSimpleName() + ")");
	}

	/**
	 * One segment of a JSON path.
	 */
	static void appendPathSegment(StringBuilder path, @Nullable String propertyName, int index) {
		if (propertyName != null) {
			path.append('.').append(propertyName);
		}
		else if (index >= 0) {
			path.append('[').append(index).append(']');
		}
	}

	/**
	 * Refusal of a number that does not fit a double, such as {@code 1e999}: as a double it becomes Infinity, which
	 * JSON cannot carry, so a relayed payload would change meaning.
	 */
	static double finite(double value) {
		if (!Double.isFinite(value)) {
			throw new NumberOutOfRangeException();
		}
		return value;
	}

	static final class NumberOutOfRangeException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		NumberOutOfRangeException() {
			super("number out of range", null, false, false);
		}

	}

}
