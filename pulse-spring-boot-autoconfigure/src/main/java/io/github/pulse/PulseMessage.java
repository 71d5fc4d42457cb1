package io.github.pulse;

import java.util.function.BiFunction;

import org.jspecify.annotations.Nullable;

/**
 * An application message received from a client.
 */
public final class PulseMessage {

	private final String event;

	private final @Nullable Object payload;

	private final BiFunction<@Nullable Object, Class<?>, @Nullable Object> converter;

	/**
	 * Creates a message.
	 * @param event the event name
	 * @param payload the codec-specific payload, {@code null} when absent
	 * @param converter converts the payload to an application type
	 */
	public PulseMessage(String event, @Nullable Object payload,
			BiFunction<@Nullable Object, Class<?>, @Nullable Object> converter) {
		this.event = event;
		this.payload = payload;
		this.converter = converter;
	}

	/**
	 * Event name.
	 * @return the event, 1 to 128 characters
	 */
	public String event() {
		return this.event;
	}

	/**
	 * Payload as decoded by the codec (a Jackson 3 {@code tools.jackson.databind.JsonNode} with the default codec,
	 * a Jackson 2 one with {@code Jackson2PulseCodec}).
	 * @return the payload or {@code null}
	 */
	public @Nullable Object payload() {
		return this.payload;
	}

	/**
	 * Converts the payload to an application type with the codec.
	 * @param <T> the target type
	 * @param type the target type
	 * @return the converted payload, {@code null} when absent
	 * @throws IllegalArgumentException if the payload cannot be converted
	 */
	public <T> @Nullable T payload(Class<T> type) {
		return type.cast(this.converter.apply(this.payload, type));
	}

	@Override
	public String toString() {
		return "PulseMessage[event=" + this.event + "]";
	}

}
