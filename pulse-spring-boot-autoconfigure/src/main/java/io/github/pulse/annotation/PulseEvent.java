package io.github.pulse.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of any bean as the handler of one client event, in the spirit of {@code @MessageMapping}:
 *
 * <pre class="code">
 * &#64;PulseEvent("chat")
 * void chat(PulseConnection connection, ChatMessage message) { ... }
 * </pre>
 *
 * Parameters are resolved by type: {@link io.github.pulse.PulseConnection} is the sender,
 * {@link io.github.pulse.PulseMessage} the raw message, and at most one parameter of any other type receives the
 * payload converted by the codec ({@link io.github.pulse.PulseMessage#payload(Class)}; the default codec converts
 * with the application's Jackson 3 {@code JsonMapper}, so its naming strategy and modules apply, and a
 * {@code tools.jackson.databind.JsonNode} parameter receives the payload as it arrived). A payload that cannot be converted closes the
 * sender's connection with 1007 and a reason naming the event. A non-{@code void} return value other than
 * {@code null} is sent back to the sender with the same event. An exception closes the connection with 1011, like
 * one thrown by a {@link io.github.pulse.PulseListener}, which keeps working beside annotated handlers.
 * <p>
 * Each event has at most one handler; two methods for the same event fail startup.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface PulseEvent {

	/**
	 * Event handled, 1 to 128 characters.
	 * @return the event name
	 */
	String value();

}
