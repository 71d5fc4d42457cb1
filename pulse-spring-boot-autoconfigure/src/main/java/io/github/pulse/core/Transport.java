package io.github.pulse.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.CloseStatus;

/**
 * One WebSocket connection as the engine sees it. A session has at most one transport at a time and gets a new
 * one when it resumes.
 */
public interface Transport {

	/**
	 * Whether {@link #sendText} returns without waiting for the socket. Blocking transports are driven from the
	 * engine's I/O executor so that no caller waits on a slow socket.
	 * @return {@code true} for asynchronous transports
	 */
	boolean isAsync();

	/**
	 * Writes one text message. {@code onDone} is called exactly once, with {@code null} on success or the failure,
	 * possibly on the calling thread before this method returns.
	 * @param text the message
	 * @param onDone completion callback
	 */
	void sendText(String text, Consumer<@Nullable Throwable> onDone);

	/**
	 * Whether this transport gathers frames: {@link #queueText} and {@link #queuePing} put a frame into the
	 * connection's output buffer (writing the buffer first if it is full) and {@link #flush} writes what is
	 * buffered. The engine then writes every frame waiting for a connection and flushes once, so a busy connection
	 * costs one socket write for many frames. Each callback is called exactly once, possibly on the calling thread
	 * before the method returns.
	 * @return {@code true} if the three methods are supported
	 */
	default boolean gathers() {
		return false;
	}

	/**
	 * Puts one complete text message, already encoded, into the output buffer.
	 * @param utf8 the message in UTF-8
	 * @param onDone completion callback: the frame is in the buffer, or the write failed
	 */
	default void queueText(ByteBuffer utf8, Consumer<@Nullable Throwable> onDone) {
		throw new UnsupportedOperationException("This transport does not gather frames");
	}

	/**
	 * Puts a WebSocket ping into the output buffer.
	 * @param payload the ping payload, at most 125 bytes
	 * @param onDone completion callback
	 */
	default void queuePing(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
		throw new UnsupportedOperationException("This transport does not gather frames");
	}

	/**
	 * Writes one complete text message, already encoded, at once and without waiting for the socket: what
	 * {@link #queueText} and {@link #flush} do together, for a frame that has nothing to be gathered with (one
	 * container operation instead of two). Only called when the output buffer holds nothing.
	 * @param utf8 the message in UTF-8
	 * @param onDone completion callback: the frame is written, or the write failed
	 */
	default void writeText(ByteBuffer utf8, Consumer<@Nullable Throwable> onDone) {
		queueText(utf8, (failure) -> {
			if (failure != null) {
				onDone.accept(failure);
			}
			else {
				flush(onDone);
			}
		});
	}

	/**
	 * Writes the output buffer without waiting for the socket.
	 * @param onDone completion callback: everything buffered is written, or the write failed
	 */
	default void flush(Consumer<@Nullable Throwable> onDone) {
		throw new UnsupportedOperationException("This transport does not gather frames");
	}

	/**
	 * Sends a WebSocket ping. May block briefly; called from the engine's I/O executor only.
	 * @param payload the ping payload, at most 125 bytes
	 * @throws IOException if the ping cannot be written
	 */
	void sendPing(ByteBuffer payload) throws IOException;

	/**
	 * Closes the WebSocket with a close frame. May block up to the write timeout; called from the engine's I/O
	 * executor only. Never throws.
	 * @param status the close status
	 */
	void close(CloseStatus status);

	/**
	 * Drops the connection without a close frame, as a network failure would. Used only to try resume in tests
	 * and demos ({@code pulse.debug.allow-drop}); called from the engine's I/O executor. Never throws. The default
	 * cannot reach the socket and closes with 1001 instead, which the client may resume after too.
	 */
	default void abort() {
		close(CloseStatus.GOING_AWAY);
	}

	/**
	 * Client address, for logs.
	 * @return the address or {@code null}
	 */
	@Nullable InetSocketAddress remoteAddress();

}
