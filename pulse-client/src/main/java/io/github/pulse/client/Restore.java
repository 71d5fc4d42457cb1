package io.github.pulse.client;

import org.jspecify.annotations.Nullable;

/**
 * The client has a transport and a session again after a {@link Drop}.
 *
 * @param connectionId the session's connection id
 * @param resumed {@code true} if the same session continues; {@code false} if the server started a new session
 * (a {@link Welcome} with {@code reconnect} set was reported just before)
 * @param replayed the number of frames the server replays after this notice (resumed sessions only)
 * @param missed the number of frames the server could no longer hold and that will never arrive; the sequence
 * numbers jump over them (resumed sessions only)
 * @param resumeFailed why the server refused to resume ({@code "expired"} or {@code "unknown"}), {@code null} when
 * resumed or when no resume was attempted
 */
public record Restore(String connectionId, boolean resumed, int replayed, long missed, @Nullable String resumeFailed) {

}
