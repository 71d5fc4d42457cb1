package io.github.pulse.core;

import org.springframework.web.socket.CloseStatus;

/**
 * A frame waiting in a session's outbound queue.
 */
abstract class OutFrame {

	/** Application message with a sequence number; kept for replay until acknowledged. */
	static final class Message extends OutFrame {

		private static final String PREFIX = "{\"type\":\"message\",\"seq\":";

		final long seq;

		final EncodedBody body;

		final long enqueuedNanos;

		final int bytes;

		Message(long seq, EncodedBody body, long enqueuedNanos) {
			this.seq = seq;
			this.body = body;
			this.enqueuedNanos = enqueuedNanos;
			this.bytes = sizeOf(seq, body);
		}

		static int sizeOf(long seq, EncodedBody body) {
			return PREFIX.length() + Long.toString(seq).length() + body.bytes();
		}

		@Override
		String text() {
			return PREFIX + this.seq + this.body.text();
		}

	}

	/** Protocol frame without a sequence number: welcome, resumed, pong. */
	static final class Control extends OutFrame {

		private final String text;

		Control(String text) {
			this.text = text;
		}

		@Override
		String text() {
			return this.text;
		}

	}

	/** WebSocket ping. */
	static final class Ping extends OutFrame {

		static final Ping INSTANCE = new Ping();

		@Override
		String text() {
			return "";
		}

	}

	/** Close frame, written after every frame queued before it. */
	static final class Close extends OutFrame {

		final CloseStatus status;

		Close(CloseStatus status) {
			this.status = status;
		}

		@Override
		String text() {
			return "";
		}

	}

	abstract String text();

}
