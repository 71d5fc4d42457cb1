package io.github.pulse.web;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Consumer;

import io.github.pulse.core.Transport;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;
import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketSession;

/**
 * Transport on the Jakarta WebSocket API (Tomcat): text is written with the asynchronous remote endpoint, so no
 * thread waits on a slow socket; the engine enforces {@code pulse.write-timeout} on them itself, and the container's
 * blocking send timeout (close frames) is set to it. On Tomcat,
 * unless {@code pulse.container.gather-writes} is off, frames are gathered into the connection's output buffer and
 * flushed asynchronously ({@link TomcatFrameWriter}).
 */
final class StandardTransport implements Transport {

	private static final String TOMCAT_BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

	private final WebSocketSession session;

	private final Session nativeSession;

	private final RemoteEndpoint.Async remote;

	private final @Nullable TomcatFrameWriter frameWriter;

	StandardTransport(WebSocketSession session, Session nativeSession, Duration writeTimeout, boolean gatherWrites) {
		this.session = session;
		this.nativeSession = nativeSession;
		this.remote = nativeSession.getAsyncRemote();
		// the engine times every write itself (pulse.write-timeout, checked on its timer) and aborts the transport;
		// a container send timeout on asynchronous writes would only add a registration with Tomcat's timeout
		// thread to each of them (a sorted-set insert and removal per write)
		this.remote.setSendTimeout(-1);
		nativeSession.getUserProperties().put(TOMCAT_BLOCKING_SEND_TIMEOUT, writeTimeout.toMillis());
		this.frameWriter = gatherWrites ? TomcatFrameWriter.of(this.remote) : null;
	}

	@Override
	public boolean isAsync() {
		return true;
	}

	@Override
	public void sendText(String text, Consumer<@Nullable Throwable> onDone) {
		try {
			this.remote.sendText(text, handler(onDone));
		}
		catch (RuntimeException ex) {
			onDone.accept(ex);
		}
	}

	@Override
	public boolean gathers() {
		return this.frameWriter != null;
	}

	@Override
	public void queueText(ByteBuffer utf8, Consumer<@Nullable Throwable> onDone) {
		try {
			writer().queueText(utf8, handler(onDone));
		}
		catch (Throwable ex) {
			failed(ex, onDone);
		}
	}

	@Override
	public void writeText(ByteBuffer utf8, Consumer<@Nullable Throwable> onDone) {
		try {
			writer().writeText(utf8, handler(onDone));
		}
		catch (Throwable ex) {
			failed(ex, onDone);
		}
	}

	@Override
	public void queuePing(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
		try {
			writer().queuePing(payload, handler(onDone));
		}
		catch (Throwable ex) {
			failed(ex, onDone);
		}
	}

	@Override
	public void flush(Consumer<@Nullable Throwable> onDone) {
		try {
			writer().flush(handler(onDone));
		}
		catch (Throwable ex) {
			failed(ex, onDone);
		}
	}

	private TomcatFrameWriter writer() {
		TomcatFrameWriter writer = this.frameWriter;
		if (writer == null) {
			throw new UnsupportedOperationException("This transport does not gather frames");
		}
		return writer;
	}

	private static SendHandler handler(Consumer<@Nullable Throwable> onDone) {
		return (result) -> onDone.accept(result.isOK() ? null : failure(result.getException()));
	}

	private static void failed(Throwable ex, Consumer<@Nullable Throwable> onDone) {
		if (ex instanceof Error error && !(ex instanceof LinkageError)) {
			throw error;
		}
		onDone.accept(ex);
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
