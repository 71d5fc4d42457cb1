package io.github.pulse.client;

import org.jspecify.annotations.Nullable;

/**
 * A transport that carried an open session ended and the client will try to restore it.
 *
 * @param code the close code the server sent, or 1006 for an abnormal end (I/O error, heartbeat timeout)
 * @param reason what happened, for logs
 * @param cause the error behind an abnormal end, if there was one
 */
public record Drop(int code, String reason, @Nullable Throwable cause) {

}
