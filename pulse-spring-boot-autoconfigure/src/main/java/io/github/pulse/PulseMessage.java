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

	private final @Nullable String ref;

	private boolean replied;

	private @Nullable Object reply;

	/**
	 * Creates a message.
	 * @param event the event name
	 * @param payload the codec-specific payload, {@code null} when absent
	 * @param converter converts the payload to an application type
	 */
	public PulseMessage(String event, @Nullable Object payload,
			BiFunction<@Nullable Object, Class<?>, @Nullable Object> converter) {
		this(event, payload, converter, null);
	}

	/**
	 * Creates a message that may be a request.
	 * @param event the event name
	 * @param payload the codec-specific payload, {@code null} when absent
	 * @param converter converts the payload to an application type
	 * @param ref the client's request reference, {@code null} when it expects no reply
	 */
	public PulseMessage(String event, @Nullable Object payload,
			BiFunction<@Nullable Object, Class<?>, @Nullable Object> converter, @Nullable String ref) {
		this.event = event;
		this.payload = payload;
		this.converter = converter;
		this.ref = ref;
	}

	/**
	 * The client's request reference: when present, the client waits for a reply, which pulse sends once every
	 * listener has run, with the value given to {@link #reply} (absent payload if none was).
	 * @return the reference, 1 to 64 characters, or {@code null} for a message that expects no reply
	 */
	public @Nullable String ref() {
		return this.ref;
	}

	/**
	 * Whether the client waits for a reply to this message.
	 * @return {@code true} if the message has a {@link #ref}
	 */
	public boolean isRequest() {
		return this.ref != null;
	}

	/**
	 * Sets the payload of the reply to this request; the first call wins. A {@code @PulseEvent} method's return
	 * value is set this way. Does nothing for a message that is not a request.
	 * @param value the reply payload, encoded with the codec; {@code null} for none
	 */
	public void reply(@Nullable Object value) {
		if (this.ref != null && !this.replied) {
			this.replied = true;
			this.reply = value;
		}
	}

	/**
	 * The reply payload set by {@link #reply}.
	 * @return the payload, or {@code null}
	 */
	public @Nullable Object replyValue() {
		return this.reply;
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
