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
