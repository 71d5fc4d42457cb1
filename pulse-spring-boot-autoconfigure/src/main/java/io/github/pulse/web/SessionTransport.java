package io.github.pulse.web;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import io.github.pulse.core.Transport;
import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.PingMessage;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;

/**
 * Transport on any Spring {@link WebSocketSession} whose sends block; the engine drives it from its I/O executor.
 */
final class SessionTransport implements Transport {

	private final WebSocketSession session;

	SessionTransport(WebSocketSession session) {
		this.session = session;
	}

	@Override
	public boolean isAsync() {
		return false;
	}

	@Override
	public void sendText(String text, Consumer<@Nullable Throwable> onDone) {
		Throwable failure = null;
		try {
			this.session.sendMessage(new TextMessage(text));
		}
		catch (IOException | RuntimeException ex) {
			failure = ex;
		}
		onDone.accept(failure);
	}

	@Override
	public void sendPing(ByteBuffer payload) throws IOException {
		this.session.sendMessage(new PingMessage(payload));
	}

	@Override
	public void close(CloseStatus status) {
		WebSocketTransports.close(this.session, status);
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
