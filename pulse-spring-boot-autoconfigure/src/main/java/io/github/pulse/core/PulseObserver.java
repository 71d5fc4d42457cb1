package io.github.pulse.core;

import io.github.pulse.DisconnectReason;

/**
 * Receives the engine's events for metrics. Implementations must be cheap and thread-safe: they run on the hot
 * path. {@link #NOOP} is used when no metrics are configured.
 */
public interface PulseObserver {

	/** Observer that ignores everything. */
	PulseObserver NOOP = new PulseObserver() {
	};

	/** A new session started. */
	default void sessionOpened() {
	}

	/**
	 * A session ended.
	 * @param reason why it ended
	 * @param durationNanos how long it lived
	 */
	default void sessionClosed(DisconnectReason reason, long durationNanos) {
	}

	/**
	 * A transport ended abnormally and its session was suspended.
	 * @param cause why the transport ended
	 */
	default void transportDropped(DisconnectReason cause) {
	}

	/**
	 * A resume was attempted.
	 * @param outcome {@code resumed}, {@code expired}, {@code unknown} or {@code rate-limited} (refused without
	 * looking at the token after too many failures from the client's address)
	 * @param replayed frames replayed on success
	 */
	default void resumeAttempt(String outcome, int replayed) {
	}

	/**
	 * An application message was received.
	 * @param bytes its size in UTF-8 bytes
	 */
	default void messageReceived(int bytes) {
	}

	/**
	 * An application message frame was written to a socket.
	 * @param bytes its size in UTF-8 bytes
	 * @param deliveryNanos time from enqueue to written
	 */
	default void messageSent(int bytes, long deliveryNanos) {
	}

	/**
	 * A broadcast was queued.
	 * @param recipients number of members it was queued for
	 */
	default void broadcast(int recipients) {
	}

	/**
	 * A broadcast to a room was queued. The engine calls this method; the default forwards to
	 * {@link #broadcast(int)}, so observers that do not tag by room implement only that one.
	 * @param room the room it was sent to
	 * @param recipients number of members it was queued for
	 */
	default void broadcast(String room, int recipients) {
		broadcast(recipients);
	}

	/**
	 * A frame was dropped.
	 * @param cause {@code send-buffer-overflow} or {@code resume-buffer-overflow}
	 */
	default void frameDropped(String cause) {
	}

	/**
	 * An inbound frame was rejected or ignored.
	 * @param cause {@code malformed}, {@code too-big}, {@code binary}, {@code rate-limit} or {@code unknown-type}
	 */
	default void frameRejected(String cause) {
	}

	/**
	 * A numbered client message was dropped unhandled: its number had been processed before (the client sent it
	 * again after a resume, not knowing it had arrived).
	 */
	default void duplicateDropped() {
	}

	/** A transport missed its heartbeat. */
	default void heartbeatTimeout() {
	}

	/**
	 * A pong answered a ping.
	 * @param rttNanos time from ping to pong
	 */
	default void heartbeatRtt(long rttNanos) {
	}

	/** An {@code onMessage} listener threw. */
	default void handlerError() {
	}

	/**
	 * A handshake was rejected before the upgrade.
	 * @param cause {@code unauthorized}, {@code forbidden}, {@code bad-request}, {@code max-connections} or
	 * {@code shutting-down}
	 */
	default void handshakeRejected(String cause) {
	}

}
