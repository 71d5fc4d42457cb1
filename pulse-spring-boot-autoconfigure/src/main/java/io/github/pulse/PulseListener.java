package io.github.pulse;

import org.jspecify.annotations.Nullable;

/**
 * Callbacks on the life cycle of pulse sessions. Register any number as beans; each method has a no-op default.
 * <p>
 * The life-cycle callbacks of one connection ({@code onConnect}, {@code onTransportDrop},
 * {@code onTransportRestore}, {@code onDisconnect}) are delivered one at a time and in the order the transitions
 * happened, whichever threads caused them: {@code onConnect} first, {@code onDisconnect} last and exactly once, and
 * every {@code onTransportRestore} after the {@code onTransportDrop} it answers. {@code onMessage} runs on the
 * thread that read the message.
 */
public interface PulseListener {

	/**
	 * A new session started; its welcome frame is queued.
	 * @param connection the connection
	 */
	default void onConnect(PulseConnection connection) {
	}

	/**
	 * An application message arrived. An exception thrown here closes the connection with 1011.
	 * @param connection the sender
	 * @param message the message
	 */
	default void onMessage(PulseConnection connection, PulseMessage message) {
	}

	/**
	 * The session ended. Called exactly once per session.
	 * @param connection the connection
	 * @param reason why it ended
	 * @param closeStatus the close status sent or received, {@code null} when the transport was already gone
	 */
	default void onDisconnect(PulseConnection connection, DisconnectReason reason, @Nullable PulseCloseStatus closeStatus) {
	}

	/**
	 * The transport ended abnormally and the session is suspended, waiting for a resume.
	 * @param connection the connection
	 * @param cause why the transport ended
	 */
	default void onTransportDrop(PulseConnection connection, DisconnectReason cause) {
	}

	/**
	 * A suspended session was resumed on a new transport.
	 * @param connection the connection
	 */
	default void onTransportRestore(PulseConnection connection) {
	}

}
