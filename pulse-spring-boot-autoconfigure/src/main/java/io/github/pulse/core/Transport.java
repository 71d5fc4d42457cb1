package io.github.pulse.core;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import io.github.pulse.PulseCloseStatus;
import org.jspecify.annotations.Nullable;

/**
 * One WebSocket connection as the engine sees it. A session has at most one transport at a time and gets a new
 * one when it resumes.
 * <p>
 * Writes never wait for the socket. The engine has at most one write in flight per transport: it calls
 * {@link #write} for each frame waiting, then {@link #flush} once, so a transport that buffers (Tomcat's output
 * buffer) costs one socket write for many frames; a transport that does not buffer writes each frame at once and
 * completes {@link #flush} at once. Every completion callback is called exactly once, with {@code null} on success
 * or the failure, possibly on the calling thread before the method returns.
 */
public interface Transport {

	/**
	 * Writes one complete text message, or puts it into the connection's output buffer (writing the buffer first if
	 * it is full).
	 * @param frame the message
	 * @param onDone completion callback: the frame is written or buffered, or the write failed
	 */
	void write(Frame frame, Consumer<@Nullable Throwable> onDone);

	/**
	 * Writes one complete text message and everything buffered before it: what {@link #write} and {@link #flush}
	 * do together, in one container operation where the container allows it. Used for a frame that has nothing to
	 * be gathered with.
	 * @param frame the message
	 * @param onDone completion callback: the frame is written, or the write failed
	 */
	default void writeAndFlush(Frame frame, Consumer<@Nullable Throwable> onDone) {
		write(frame, (failure) -> {
			if (failure != null) {
				onDone.accept(failure);
			}
			else {
				flush(onDone);
			}
		});
	}

	/**
	 * Writes a WebSocket ping, or puts it into the output buffer.
	 * @param payload the ping payload, at most 125 bytes
	 * @param onDone completion callback
	 */
	void ping(ByteBuffer payload, Consumer<@Nullable Throwable> onDone);

	/**
	 * Writes what is buffered. A transport that does not buffer completes at once.
	 * @param onDone completion callback: everything buffered is written, or the write failed
	 */
	void flush(Consumer<@Nullable Throwable> onDone);

	/**
	 * Closes the WebSocket with a close frame. May block up to the close timeout; called from the engine's close
	 * executor only, never while a write is in flight. Never throws.
	 * @param status the close status
	 */
	void close(PulseCloseStatus status);

	/**
	 * Drops the connection without a close frame, as a network failure would: used when the peer stopped reading
	 * (a close frame would not reach it) and to try resume in tests and demos ({@code pulse.debug.allow-drop}).
	 * Must not block. Never throws. The default cannot reach the socket and closes with 1001 instead.
	 */
	default void abort() {
		close(PulseCloseStatus.GOING_AWAY);
	}

	/**
	 * Subprotocol the WebSocket handshake selected ({@code Sec-WebSocket-Protocol}).
	 * @return the subprotocol, or {@code null} if the client listed none
	 */
	default @Nullable String subprotocol() {
		return null;
	}

	/**
	 * Client address, for logs.
	 * @return the address or {@code null}
	 */
	@Nullable InetSocketAddress remoteAddress();

	/**
	 * A text message to write: its text, and its UTF-8 bytes, made on demand.
	 */
	interface Frame {

		/**
		 * The message as text.
		 * @return the text
		 */
		String text();

		/**
		 * The message in UTF-8, a new buffer each call.
		 * @return the bytes
		 */
		ByteBuffer utf8();

	}

}
