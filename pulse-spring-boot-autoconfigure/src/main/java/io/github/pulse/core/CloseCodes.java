package io.github.pulse.core;

import io.github.pulse.PulseCloseStatus;

/**
 * Close statuses pulse sends. 1005, 1006 and 1015 are reserved for reporting and are never sent.
 */
public final class CloseCodes {

	/** 4000: the connection was kicked. */
	public static final PulseCloseStatus KICKED = new PulseCloseStatus(4000, "kicked");

	/** 4001: a newer connection with the same id replaced this one. */
	public static final PulseCloseStatus REPLACED = new PulseCloseStatus(4001, "replaced");

	/** 4002: the send buffer overflowed under the {@code disconnect} policy. */
	public static final PulseCloseStatus SLOW_CONSUMER = new PulseCloseStatus(4002, "slow consumer");

	/** 4003: no application message within the idle timeout. */
	public static final PulseCloseStatus IDLE_TIMEOUT = new PulseCloseStatus(4003, "idle timeout");

	/** 1001: the server is shutting down. */
	public static final PulseCloseStatus SERVER_SHUTDOWN = new PulseCloseStatus(1001, "server shutting down");

	/** 1001: the heartbeat timed out; the client may resume. */
	public static final PulseCloseStatus HEARTBEAT_TIMEOUT = new PulseCloseStatus(1001, "heartbeat timeout");

	/** 1001: a write did not finish within the write timeout; the client may resume. */
	public static final PulseCloseStatus WRITE_TIMEOUT = new PulseCloseStatus(1001, "write timeout");

	/** 1003: binary frames are not accepted. */
	public static final PulseCloseStatus BINARY_NOT_ACCEPTED = new PulseCloseStatus(1003, "binary frames not accepted");

	/** 1008: the connection sent more messages than {@code pulse.inbound.rate} allows. */
	public static final PulseCloseStatus RATE_LIMITED = new PulseCloseStatus(1008, "rate limit exceeded");

	/** 1009: the message exceeded the size limit. */
	public static final PulseCloseStatus TOO_BIG = new PulseCloseStatus(1009, "message too big");

	/** 1011: a listener failed while handling a message. */
	public static final PulseCloseStatus HANDLER_ERROR = new PulseCloseStatus(1011, "internal error");

	/**
	 * A resume of a session another cluster node holds cannot be decided now (Redis away, or the owner did not
	 * answer): the client reconnects with its token later, as for 1013 from an intermediary.
	 */
	public static final PulseCloseStatus TRY_AGAIN_LATER = new PulseCloseStatus(1013, "resume not possible now");

	private CloseCodes() {
	}

	/**
	 * Builds a 1007 status whose reason names the problem.
	 * @param problem what is wrong with the frame
	 * @return the status
	 */
	public static PulseCloseStatus invalidFrame(String problem) {
		return status(1007, problem);
	}

	/**
	 * Builds a status, truncating the reason to the 123 bytes a close frame can carry.
	 * @param code the close code
	 * @param reason the reason
	 * @return the status
	 */
	public static PulseCloseStatus status(int code, String reason) {
		return PulseCloseStatus.truncating(code, reason);
	}

	/**
	 * Checks a code an application may send: 1000, or 3000 to 4999.
	 * @param code the code
	 * @throws IllegalArgumentException if the code is not allowed
	 */
	public static void checkApplicationCode(int code) {
		if (code != 1000 && (code < 3000 || code > 4999)) {
			throw new IllegalArgumentException(
					"Close code " + code + " is not allowed: use 1000 or an application code from 3000 to 4999");
		}
	}


}
