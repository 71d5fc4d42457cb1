package io.github.pulse.bench.jmh;

/**
 * The client frames the benchmarks use: the load generator's {@code chat} frame, and one with a kibibyte of text.
 */
public final class ClientFrames {

	/** What the fan-out load generator's publishers send: a timestamp and a publisher number. */
	public static final String SMALL = "{\"type\":\"message\",\"event\":\"chat\",\"payload\":{\"t\":1732266000123456789,\"p\":1}}";

	/** A chat line of 1 KiB with a few more fields. */
	public static final String KIB = "{\"type\":\"message\",\"event\":\"chat\",\"payload\":{\"from\":\"alice\",\"sentAt\":1732266000123,"
			+ "\"tags\":[\"a\",\"b\"],\"text\":\"" + "x".repeat(1024) + "\"}}";

	private ClientFrames() {
	}

	/**
	 * A frame by name.
	 * @param name {@code small} or {@code 1kib}
	 * @return the frame's text
	 */
	public static String named(String name) {
		return switch (name) {
			case "small" -> SMALL;
			case "1kib" -> KIB;
			default -> throw new IllegalArgumentException("Unknown frame '" + name + "': use small or 1kib");
		};
	}

}
