package io.github.pulse.web;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

import io.github.pulse.PulseCloseStatus;
import io.github.pulse.core.Transport;
import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.adapter.NativeWebSocketSession;
import org.springframework.web.socket.WebSocketSession;

/**
 * Picks the best {@link Transport} for a Spring WebSocket session.
 */
final class WebSocketTransports {

	private static final Log logger = LogFactory.getLog(WebSocketTransports.class);

	private static final boolean JAKARTA_PRESENT = ClassUtils.isPresent("jakarta.websocket.Session",
			WebSocketTransports.class.getClassLoader());

	private WebSocketTransports() {
	}

	static Transport create(WebSocketSession session, Duration writeTimeout, boolean gatherWrites, Executor io) {
		if (session instanceof NativeWebSocketSession nativeSession
				&& nativeSession.getNativeSession() instanceof Transport transport) {
			// a session whose native side is a pulse transport already (Reactor Netty, io.github.pulse.web.reactive)
			return transport;
		}
		if (JAKARTA_PRESENT && session instanceof NativeWebSocketSession nativeSession
				&& nativeSession.getNativeSession() instanceof jakarta.websocket.Session jakartaSession) {
			StandardTransport standard = new StandardTransport(session, jakartaSession, writeTimeout, io);
			TomcatFrameWriter writer = gatherWrites ? TomcatFrameWriter.of(standard.remote()) : null;
			return (writer != null) ? new TomcatGatheringTransport(standard, writer) : standard;
		}
		return new SessionTransport(session, io);
	}

	/**
	 * The subprotocol the handshake selected; containers report none as an empty string or {@code null}.
	 */
	static @Nullable String subprotocol(WebSocketSession session) {
		String accepted = session.getAcceptedProtocol();
		return (accepted == null || accepted.isEmpty()) ? null : accepted;
	}

	/**
	 * Spring's close status for pulse's.
	 */
	static CloseStatus toSpring(PulseCloseStatus status) {
		return new CloseStatus(status.code(), status.reason().isEmpty() ? null : status.reason());
	}

	/**
	 * pulse's close status for one a container reported; codes outside 1000 to 4999 (a broken peer) become 1002.
	 */
	static PulseCloseStatus fromSpring(CloseStatus status) {
		int code = status.getCode();
		if (code < 1000 || code > 4999) {
			return PulseCloseStatus.PROTOCOL_ERROR;
		}
		String reason = status.getReason();
		return PulseCloseStatus.truncating(code, (reason != null) ? reason : "");
	}

	/**
	 * Runs a blocking container call on the engine's I/O executor and reports its outcome.
	 */
	static void runBlocking(Executor io, BlockingCall call, Consumer<@Nullable Throwable> onDone) {
		io.execute(() -> {
			Throwable failure = null;
			try {
				call.run();
			}
			catch (IOException | RuntimeException ex) {
				failure = ex;
			}
			onDone.accept(failure);
		});
	}

	/** A container call that blocks and may fail. */
	@FunctionalInterface
	interface BlockingCall {

		void run() throws IOException;

	}

	static void close(WebSocketSession session, PulseCloseStatus status) {
		try {
			session.close(toSpring(status));
		}
		catch (Exception ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Close of WebSocket " + session.getId() + " failed: " + ex);
			}
		}
	}

}
