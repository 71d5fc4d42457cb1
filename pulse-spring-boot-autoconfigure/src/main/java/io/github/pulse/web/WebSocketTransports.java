package io.github.pulse.web;

import java.time.Duration;

import io.github.pulse.core.Transport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
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

	static Transport create(WebSocketSession session, Duration writeTimeout, boolean gatherWrites) {
		if (JAKARTA_PRESENT && session instanceof NativeWebSocketSession nativeSession
				&& nativeSession.getNativeSession() instanceof jakarta.websocket.Session jakartaSession) {
			return new StandardTransport(session, jakartaSession, writeTimeout, gatherWrites);
		}
		return new SessionTransport(session);
	}

	static void close(WebSocketSession session, CloseStatus status) {
		try {
			session.close(status);
		}
		catch (Exception ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Close of WebSocket " + session.getId() + " failed: " + ex);
			}
		}
	}

}
