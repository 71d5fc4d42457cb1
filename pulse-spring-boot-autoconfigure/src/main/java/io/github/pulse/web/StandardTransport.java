package io.github.pulse.web;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Consumer;

import io.github.pulse.core.Transport;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.Session;
import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketSession;

/**
 * Transport on the Jakarta WebSocket API (Tomcat): text is written with the asynchronous remote endpoint, so no
 * thread waits on a slow socket, with the container's send timeout set to {@code pulse.write-timeout}.
 */
final class StandardTransport implements Transport {

	private static final String TOMCAT_BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

	private final WebSocketSession session;

	private final Session nativeSession;

	private final RemoteEndpoint.Async remote;

	StandardTransport(WebSocketSession session, Session nativeSession, Duration writeTimeout) {
		this.session = session;
		this.nativeSession = nativeSession;
		this.remote = nativeSession.getAsyncRemote();
		this.remote.setSendTimeout(writeTimeout.toMillis());
		nativeSession.getUserProperties().put(TOMCAT_BLOCKING_SEND_TIMEOUT, writeTimeout.toMillis());
	}

	@Override
	public boolean isAsync() {
		return true;
	}

	@Override
	public void sendText(String text, Consumer<@Nullable Throwable> onDone) {
		try {
			this.remote.sendText(text, (result) -> onDone.accept(result.isOK() ? null : failure(result.getException())));
		}
		catch (RuntimeException ex) {
			onDone.accept(ex);
		}
	}

	private static Throwable failure(@Nullable Throwable cause) {
		return (cause != null) ? cause : new IOException("write failed");
	}

	@Override
	public void sendPing(ByteBuffer payload) throws IOException {
		this.remote.sendPing(payload);
	}

	@Override
	public void close(CloseStatus status) {
		WebSocketTransports.close(this.session, status);
	}

	@Override
	public void abort() {
		if (!TomcatConnectionAborter.abort(this.nativeSession)) {
			close(CloseStatus.GOING_AWAY);
		}
	}

	@Override
	public @Nullable InetSocketAddress remoteAddress() {
		return this.session.getRemoteAddress();
	}

	@Override
	public String toString() {
		return "StandardTransport[" + this.session.getId() + "]";
	}

}
