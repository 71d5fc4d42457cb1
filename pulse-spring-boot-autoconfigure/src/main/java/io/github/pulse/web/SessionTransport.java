package io.github.pulse.web;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import io.github.pulse.PulseCloseStatus;
import io.github.pulse.core.Transport;
import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.PingMessage;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;

/**
 * Transport on any Spring {@link WebSocketSession} whose sends block: each runs on the engine's I/O executor, one at
 * a time (the engine has at most one write in flight per transport), so no caller waits on the socket.
 */
final class SessionTransport implements Transport {

	private final WebSocketSession session;

	private final Executor io;

	SessionTransport(WebSocketSession session, Executor io) {
		this.session = session;
		this.io = io;
	}

	@Override
	public void write(Frame frame, Consumer<@Nullable Throwable> onDone) {
		send(new TextMessage(frame.text()), onDone);
	}

	@Override
	public void ping(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
		send(new PingMessage(payload), onDone);
	}

	@Override
	public void flush(Consumer<@Nullable Throwable> onDone) {
		onDone.accept(null);
	}

	private void send(WebSocketMessage<?> message, Consumer<@Nullable Throwable> onDone) {
		WebSocketTransports.runBlocking(this.io, () -> this.session.sendMessage(message), onDone);
	}

	@Override
	public void close(PulseCloseStatus status) {
		WebSocketTransports.close(this.session, status);
	}

	@Override
	public @Nullable String subprotocol() {
		return WebSocketTransports.subprotocol(this.session);
	}

	@Override
	public @Nullable InetSocketAddress remoteAddress() {
		return this.session.getRemoteAddress();
	}

	@Override
	public String toString() {
		return "SessionTransport[" + this.session.getId() + "]";
	}

}
