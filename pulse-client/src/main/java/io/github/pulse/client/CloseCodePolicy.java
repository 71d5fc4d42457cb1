package io.github.pulse.client;

/**
 * Decides whether the client reconnects after the server closed the transport with a code, or after an abnormal
 * end (reported as 1006).
 */
@FunctionalInterface
public interface CloseCodePolicy {

	/**
	 * pulse's policy: the close-code table of docs/protocol.md, kept as {@code pulse-client-js/src/close-codes.json},
	 * which the browser client implements too. Reconnects (with backoff and jitter) and resumes after 1001 (server
	 * shutting down, heartbeat timeout), 1005 (a close frame without a code, which pulse never sends: an
	 * intermediary ended the connection), 1006 (abnormal drop), 1012 (service restart), 1013 (try again later) and
	 * 1014 (bad gateway); reconnects to a new session after 1011 (server error) and 4002 (slow consumer). Every other
	 * code ends the client: 1000 and 3000 to 4999 are application closes (among them 4000 kicked, 4001 replaced by a
	 * newer connection, 4003 idle timeout), 1002, 1003, 1007, 1008, 1009 and 1010 say the client broke a rule that a
	 * new connection would break again, and 1015 (TLS handshake failed) is configuration that the same handshake
	 * meets again.
	 */
	CloseCodePolicy DEFAULT = (code) -> switch (code) {
		case 1001, 1005, 1006, 1011, 1012, 1013, 1014, 4002 -> true;
		default -> false;
	};

	/** Never reconnect: the first drop or close ends the client. */
	CloseCodePolicy NEVER = (code) -> false;

	/**
	 * Whether to reconnect.
	 * @param code the close code, 1006 for an abnormal end
	 * @return {@code true} to reconnect
	 */
	boolean reconnects(int code);

}
