package io.github.pulse.client;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Callbacks of a {@link PulseClient}; every method has an empty default. Callbacks of one client never run
 * concurrently and arrive in the order the events happened. They run on the thread that observed the event (a JDK
 * WebSocket thread or the scheduler) unless a callback executor is configured, so they must not block. An
 * exception thrown by a callback is reported to {@link #onError(Throwable)} and otherwise ignored.
 */
public interface PulseClientListener {

	/**
	 * A new session started: on the first connect, and after a reconnect that could not resume (then
	 * {@link Welcome#reconnect()} is {@code true} and {@link #onTransportRestore(Restore)} follows).
	 * @param welcome the server's welcome
	 */
	default void onOpen(Welcome welcome) {
	}

	/**
	 * An application frame arrived. Each sequence number of a session is delivered at most once, in order.
	 * @param message the frame
	 */
	default void onMessage(ClientMessage message) {
	}

	/**
	 * A user arrived in a room with presence (its first connection joined) or left it (its last connection left);
	 * in order with the room's messages, each at most once. {@link PulseClient#presence(String)} already includes
	 * the change when this runs.
	 * @param event the room, the user and which of the two
	 */
	default void onPresence(PresenceEvent event) {
	}

	/**
	 * The transport of an open session ended and the client will reconnect.
	 * @param drop the close code and reason
	 */
	default void onTransportDrop(Drop drop) {
	}

	/**
	 * A reconnect succeeded: the session was resumed (frames replayed, {@link Restore#missed()} counting what is
	 * lost), or a new session started.
	 * @param restore the outcome
	 */
	default void onTransportRestore(Restore restore) {
	}

	/**
	 * The next dial was scheduled.
	 * @param attempt the attempt number since the last open session, from 1
	 * @param delay the delay before it, jitter included
	 * @param lastFailure why the previous attempt failed, {@code null} after a drop of an open session
	 */
	default void onReconnectScheduled(int attempt, Duration delay, @Nullable Throwable lastFailure) {
	}

	/**
	 * A send was refused because the outbound queue was full; its future fails with
	 * {@link SendQueueFullException} after this callback returned.
	 * @param event the event of the refused send
	 * @param capacity the queue's capacity
	 */
	default void onSendQueueOverflow(String event, int capacity) {
	}

	/**
	 * The client moved from one state to another.
	 * @param previous the old state
	 * @param current the new state
	 */
	default void onStateChange(ClientState previous, ClientState current) {
	}

	/**
	 * The client gave up and is now {@link ClientState#FAILED}; {@link #onClose(CloseReason)} follows.
	 * @param cause why: the failed first dial, a refused handshake, or the last of too many consecutive failures
	 */
	default void onFailed(Throwable cause) {
	}

	/**
	 * The client ended for good, {@link ClientState#CLOSED} or {@link ClientState#FAILED}. Called exactly once.
	 * @param close the close code and reason
	 */
	default void onClose(CloseReason close) {
	}

	/**
	 * Something went wrong that does not end the client: a callback threw, a payload could not be converted for a
	 * typed handler, or the server sent a frame that is not valid JSON.
	 * @param error the error
	 */
	default void onError(Throwable error) {
	}

}
