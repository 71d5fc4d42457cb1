package io.github.pulse.codec;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Limits of the decoder, beyond what fits a WebSocket message of the default size.
 */
class JacksonPulseCodecTests {

	private final JacksonPulseCodec codec = new JacksonPulseCodec();

	@Test
	void millionLevelsOfNestingAreRefusedWithoutAStackOverflow() {
		String frame = "{\"type\":\"message\",\"event\":\"chat\",\"payload\":" + "[".repeat(1_000_000) + "}";
		assertThatExceptionOfType(FrameDecodingException.class).isThrownBy(() -> this.codec.decode(frame))
			.withMessage("frame nested too deeply");
	}

	@Test
	void nestingUpToTheLimitIsAccepted() throws FrameDecodingException {
		int depth = JacksonPulseCodec.MAX_NESTING_DEPTH - 1;
		String payload = "[".repeat(depth) + "]".repeat(depth);
		InboundFrame frame = this.codec.decode("{\"type\":\"message\",\"event\":\"chat\",\"payload\":" + payload + "}");
		assertThat(frame.payload()).hasToString(payload);
	}

	@Test
	void numbersLongerThanTheLimitAreRefused() throws FrameDecodingException {
		String longest = "9".repeat(JacksonPulseCodec.MAX_NUMBER_LENGTH);
		assertThat(this.codec.decode("{\"type\":\"message\",\"event\":\"n\",\"payload\":" + longest + "}").payload())
			.hasToString(longest);
		assertThatExceptionOfType(FrameDecodingException.class)
			.isThrownBy(() -> this.codec.decode("{\"type\":\"message\",\"event\":\"n\",\"payload\":9" + longest + "}"))
			.withMessage("number too long");
	}

	@Test
	void stringsLongerThanTheLimitAreRefused() {
		String text = "x".repeat(JacksonPulseCodec.MAX_STRING_LENGTH + 1);
		assertThatExceptionOfType(FrameDecodingException.class)
			.isThrownBy(() -> this.codec.decode("{\"type\":\"message\",\"event\":\"s\",\"payload\":\"" + text + "\"}"))
			.withMessage("string too long");
	}

	@Test
	void numbersBeyondADoubleAreRefusedRatherThanTurnedIntoInfinity() {
		assertThatExceptionOfType(FrameDecodingException.class)
			.isThrownBy(() -> this.codec.decode("{\"type\":\"message\",\"event\":\"n\",\"payload\":-1e309}"))
			.withMessage("number out of range");
	}

	@Test
	void aConversionFailureNamesTheTypeAndTheJsonPathButNeverTheValue() throws FrameDecodingException {
		Object payload = this.codec
			.decode("{\"type\":\"message\",\"event\":\"o\",\"payload\":{\"lines\":[{\"quantity\":1},"
					+ "{\"quantity\":\"secret-value\"}]}}")
			.payload();
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> this.codec.convert(payload, Order.class))
			.withMessage("Payload cannot be converted to " + Order.class.getName()
					+ " at $.lines[1].quantity (InvalidFormatException)")
			.withNoCause();
	}

	record Order(java.util.List<Line> lines) {
	}

	record Line(int quantity) {
	}

}
