package io.github.pulse;

import java.nio.charset.StandardCharsets;

/**
 * A WebSocket close status (RFC 6455 section 7.4): a code and a reason of at most 123 UTF-8 bytes. pulse's own type,
 * so that the engine and its listeners do not depend on a container's or a framework's close type; the transport
 * converts it at the edge.
 *
 * @param code the close code, 1000 to 4999
 * @param reason the reason, possibly empty, never more than 123 bytes in UTF-8
 */
public record PulseCloseStatus(int code, String reason) {

	/** 1000: normal closure. */
	public static final PulseCloseStatus NORMAL = new PulseCloseStatus(1000, "");

	/** 1001: the endpoint is going away. */
	public static final PulseCloseStatus GOING_AWAY = new PulseCloseStatus(1001, "");

	/** 1002: the peer broke the WebSocket protocol. */
	public static final PulseCloseStatus PROTOCOL_ERROR = new PulseCloseStatus(1002, "");

	/** 1006: reported when the connection ended without a close frame; never sent. */
	public static final PulseCloseStatus NO_CLOSE_FRAME = new PulseCloseStatus(1006, "");

	/** 1007: a message's data was not consistent with its type. */
	public static final PulseCloseStatus BAD_DATA = new PulseCloseStatus(1007, "");

	/** 1011: the server met an unexpected condition. */
	public static final PulseCloseStatus SERVER_ERROR = new PulseCloseStatus(1011, "");

	private static final int MAX_REASON_BYTES = 123;

	/**
	 * Creates a status.
	 * @param code the close code, 1000 to 4999
	 * @param reason the reason, at most 123 bytes in UTF-8
	 * @throws IllegalArgumentException if the code is outside 1000 to 4999 or the reason is too long
	 */
	public PulseCloseStatus {
		if (code < 1000 || code > 4999) {
			throw new IllegalArgumentException("Close code " + code + " is outside 1000 to 4999");
		}
		if (reason == null) {
			reason = "";
		}
		if (reason.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
			throw new IllegalArgumentException("Close reason is longer than " + MAX_REASON_BYTES + " bytes in UTF-8");
		}
	}

	/**
	 * A status whose reason is cut to the 123 bytes a close frame can carry, at a character boundary.
	 * @param code the close code
	 * @param reason the reason, of any length
	 * @return the status
	 */
	public static PulseCloseStatus truncating(int code, String reason) {
		byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
		if (bytes.length <= MAX_REASON_BYTES) {
			return new PulseCloseStatus(code, reason);
		}
		int end = MAX_REASON_BYTES;
		while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
			end--;
		}
		return new PulseCloseStatus(code, new String(bytes, 0, end, StandardCharsets.UTF_8));
	}

	/**
	 * Whether this code may be sent in a close frame: 1005, 1006 and 1015 are for reporting only.
	 * @return {@code false} for the reserved codes
	 */
	public boolean isSendable() {
		return this.code != 1005 && this.code != 1006 && this.code != 1015;
	}

	@Override
	public String toString() {
		return this.reason.isEmpty() ? Integer.toString(this.code) : this.code + " (" + this.reason + ")";
	}

}
