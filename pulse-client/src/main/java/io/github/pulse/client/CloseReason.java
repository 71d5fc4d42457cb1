package io.github.pulse.client;

/**
 * How a client ended: the close code and reason the server sent, or the code the client reports for an end it
 * decided itself (1000 for {@link PulseClient#close()}, 1006 when it gave up on a dead transport).
 *
 * @param code the close code
 * @param reason the reason, empty if none
 */
public record CloseReason(int code, String reason) {

}
