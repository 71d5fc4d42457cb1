package io.github.pulse.web;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import io.github.pulse.PulseCloseStatus;
import io.github.pulse.core.Transport;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;
import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.WebSocketSession;

/**
 * Transport on the public Jakarta WebSocket API: text is written with the asynchronous remote endpoint, so no
 * thread waits on a slow socket; the engine enforces {@code pulse.write-timeout} on those writes itself, and the
 * container's blocking send timeout (pings and close frames, which the API only has as blocking calls) is set to it.
 * Pings run on the engine's I/O executor. Nothing is buffered, so {@link #flush} completes at once. On Tomcat,
 * {@link TomcatGatheringTransport} decorates it.
 */
final class StandardTransport implements Transport {

	private static final String TOMCAT_BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

	private final WebSocketSession session;

	private final Session nativeSession;

	private final RemoteEndpoint.Async remote;

	private final Executor io;

	StandardTransport(WebSocketSession session, Session nativeSession, Duration writeTimeout, Executor io) {
		this.session = session;
		this.nativeSession = nativeSession;
		this.remote = nativeSession.getAsyncRemote();
		this.io = io;
		// the engine times every write itself (pulse.write-timeout, checked on its timer) and aborts the transport;
		// a container send timeout on asynchronous writes would only add a registration with Tomcat's timeout
		// thread to each of them (a sorted-set insert and removal per write)
		this.remote.setSendTimeout(-1);
		nativeSession.getUserProperties().put(TOMCAT_BLOCKING_SEND_TIMEOUT, writeTimeout.toMillis());
	}

	Session nativeSession() {
		return this.nativeSession;
	}

	RemoteEndpoint.Async remote() {
		return this.remote;
	}

	@Override
	public void write(Frame frame, Consumer<@Nullable Throwable> onDone) {
		try {
			this.remote.sendText(frame.text(), handler(onDone));
		}
		catch (RuntimeException ex) {
			onDone.accept(ex);
		}
	}

	@Override
	public void writeAndFlush(Frame frame, Consumer<@Nullable Throwable> onDone) {
		write(frame, onDone);
	}

	@Override
	public void ping(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
		WebSocketTransports.runBlocking(this.io, () -> this.remote.sendPing(payload), onDone);
	}

	@Override
	public void flush(Consumer<@Nullable Throwable> onDone) {
		onDone.accept(null);
	}

	static SendHandler handler(Consumer<@Nullable Throwable> onDone) {
		return (result) -> onDone.accept(result.isOK() ? null : failure(result.getException()));
	}

	private static Throwable failure(@Nullable Throwable cause) {
		return (cause != null) ? cause : new IOException("write failed");
	}

	@Override
	public void close(PulseCloseStatus status) {
		WebSocketTransports.close(this.session, status);
	}

	@Override
	public void abort() {
		if (!TomcatConnectionAborter.abort(this.nativeSession)) {
			close(PulseCloseStatus.GOING_AWAY);
		}
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
		return "StandardTransport[" + this.session.getId() + "]";
	}

}
