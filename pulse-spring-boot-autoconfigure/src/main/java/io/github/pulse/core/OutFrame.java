package io.github.pulse.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.github.pulse.PulseCloseStatus;

/**
 * A frame waiting in a session's outbound queue.
 */
abstract class OutFrame {

	/**
	 * Application message, reply to a request, or answer to a join or leave, with a sequence number; kept for replay until acknowledged.
	 */
	static final class Message extends OutFrame implements Transport.Frame {

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
			return body.headUtf8().length + digits(seq) + body.bytes();
		}

		@Override
		public String text() {
			return this.body.head() + this.seq + this.body.tail();
		}

		@Override
		public ByteBuffer utf8() {
			return ByteBuffer.wrap(utf8Bytes());
		}

		/**
		 * The frame in UTF-8: the prefix and sequence number written in front of the shared body.
		 */
		byte[] utf8Bytes() {
			byte[] body = this.body.utf8();
			byte[] prefix = this.body.headUtf8();
			int digits = digits(this.seq);
			byte[] frame = new byte[prefix.length + digits + body.length];
			System.arraycopy(prefix, 0, frame, 0, prefix.length);
			long value = this.seq;
			for (int i = prefix.length + digits - 1; i >= prefix.length; i--) {
				frame[i] = (byte) ('0' + (value % 10));
				value /= 10;
			}
			System.arraycopy(body, 0, frame, prefix.length + digits, body.length);
			return frame;
		}

		/**
		 * Decimal digits of a positive number, without dividing.
		 */
		static int digits(long value) {
			int digits = 1;
			for (long bound = 10; digits < 19 && value >= bound; bound *= 10) {
				digits++;
			}
			return digits;
		}

	}

	/** Protocol frame without a sequence number: welcome, resumed, pong. */
	static final class Control extends OutFrame implements Transport.Frame {

		private final String text;

		/**
		 * Whether this is a transport's opening frame (welcome or resumed): it goes before anything else on the
		 * transport, a close frame included, so that a client always learns which session it was on.
		 */
		final boolean opening;

		Control(String text) {
			this(text, false);
		}

		private Control(String text, boolean opening) {
			this.text = text;
			this.opening = opening;
		}

		/**
		 * A transport's opening frame: welcome or resumed.
		 */
		static Control opening(String text) {
			return new Control(text, true);
		}

		@Override
		public String text() {
			return this.text;
		}

		@Override
		public ByteBuffer utf8() {
			return ByteBuffer.wrap(this.text.getBytes(StandardCharsets.UTF_8));
		}

	}

	/** Writes what a gathering transport has buffered; never queued, made up by the writer. */
	static final class Flush extends OutFrame {

		static final Flush INSTANCE = new Flush();

	}

	/** WebSocket ping. */
	static final class Ping extends OutFrame {

		static final Ping INSTANCE = new Ping();

	}

	/** Close frame, written after every frame queued before it. */
	static final class Close extends OutFrame {

		final PulseCloseStatus status;

		Close(PulseCloseStatus status) {
			this.status = status;
		}

	}

}
