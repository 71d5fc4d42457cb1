package io.github.pulse.client;

/**
 * Life cycle of a {@link PulseClient}. {@link #CLOSED} and {@link #FAILED} are final.
 */
public enum ClientState {

	/** Dialling for the first session; no session has been opened yet. */
	CONNECTING,

	/** A session is open: the server's {@code welcome} or {@code resumed} frame arrived on the current transport. */
	OPEN,

	/** The transport dropped; the client is waiting for its next attempt or dialling to resume the session. */
	RECONNECTING,

	/** Closed for good, by {@link PulseClient#close()} or by a close code that forbids reconnecting. */
	CLOSED,

	/** Gave up: the first dial failed under fail-fast, a handshake was refused, or too many attempts failed. */
	FAILED;

	/**
	 * Whether the client has stopped for good.
	 * @return {@code true} for {@link #CLOSED} and {@link #FAILED}
	 */
	public boolean isTerminal() {
		return this == CLOSED || this == FAILED;
	}

}
