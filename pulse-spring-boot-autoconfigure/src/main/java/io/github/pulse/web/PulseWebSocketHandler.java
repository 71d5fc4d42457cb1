package io.github.pulse.web;

import java.time.Duration;

import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseCloseStatus;
import io.github.pulse.PulseConnection;
import io.github.pulse.core.CloseCodes;
import io.github.pulse.core.EncodedBody;
import io.github.pulse.core.SessionManager;
import io.github.pulse.core.Transport;
import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.PingMessage;
import org.springframework.web.socket.PongMessage;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.WebSocketSession;

/**
 * Bridges Spring WebSocket sessions to the pulse {@link SessionManager}. Accepts partial messages so the
 * container's per-connection buffers stay small; a message is assembled only when it arrives in pieces, and its
 * size is checked against {@code pulse.max-message-size} as it grows.
 */
public class PulseWebSocketHandler implements WebSocketHandler {

	static final String CONNECTION_ATTRIBUTE = PulseWebSocketHandler.class.getName() + ".connection";

	private final SessionManager manager;

	private final int maxMessageBytes;

	private final Duration writeTimeout;

	private final boolean gatherWrites;

	/**
	 * Creates the handler.
	 * @param manager the engine
	 * @param maxMessageBytes largest inbound message accepted, in UTF-8 bytes
	 * @param writeTimeout time a single write may take
	 */
	public PulseWebSocketHandler(SessionManager manager, int maxMessageBytes, Duration writeTimeout) {
		this(manager, maxMessageBytes, writeTimeout, true);
	}

	/**
	 * Creates the handler.
	 * @param manager the engine
	 * @param maxMessageBytes largest inbound message accepted, in UTF-8 bytes
	 * @param writeTimeout time a single write may take
	 * @param gatherWrites whether to gather waiting frames into one write where the container allows it
	 */
	public PulseWebSocketHandler(SessionManager manager, int maxMessageBytes, Duration writeTimeout,
			boolean gatherWrites) {
		this.manager = manager;
		this.maxMessageBytes = maxMessageBytes;
		this.writeTimeout = writeTimeout;
		this.gatherWrites = gatherWrites;
	}

	@Override
	public void afterConnectionEstablished(WebSocketSession session) {
		Transport transport = WebSocketTransports.create(session, this.writeTimeout, this.gatherWrites,
				this.manager.ioExecutor());
		AddressLimits.Lease lease = (AddressLimits.Lease) session.getAttributes()
			.get(PulseHandshakeInterceptor.LEASE_ATTRIBUTE);
		// the handshake's decision and resume parameters are read once: removed, so that the container's session,
		// which lives as long as the connection, does not keep them (the decision holds its rooms and attributes)
		ConnectDecision decision = (ConnectDecision) session.getAttributes()
			.remove(PulseHandshakeInterceptor.DECISION_ATTRIBUTE);
		if (decision == null) {
			if (lease != null) {
				lease.release();
			}
			transport.close(PulseCloseStatus.SERVER_ERROR);
			return;
		}
		if (lease != null) {
			lease.opened();
		}
		String token = (String) session.getAttributes().remove(PulseHandshakeInterceptor.RESUME_TOKEN_ATTRIBUTE);
		Long lastSeq = (Long) session.getAttributes().remove(PulseHandshakeInterceptor.LAST_SEQ_ATTRIBUTE);
		Connection connection = new Connection(transport);
		session.getAttributes().put(CONNECTION_ATTRIBUTE, connection);
		connection.pulse = this.manager.open(transport, decision, session.getPrincipal(), token,
				(lastSeq != null) ? lastSeq : 0);
	}

	@Override
	public void handleMessage(WebSocketSession session, WebSocketMessage<?> message) {
		Connection connection = connection(session);
		if (connection == null || connection.pulse == null) {
			return;
		}
		PulseConnection pulse = connection.pulse;
		if (message instanceof TextMessage text) {
			handleText(connection, pulse, text);
		}
		else if (message instanceof PongMessage) {
			this.manager.onPong(pulse, connection.transport);
		}
		else if (message instanceof BinaryMessage) {
			this.manager.rejectFrame(pulse, connection.transport, "binary", CloseCodes.BINARY_NOT_ACCEPTED);
		}
		else if (message instanceof PingMessage) {
			this.manager.onActivity(pulse);
		}
	}

	private void handleText(Connection connection, PulseConnection pulse, TextMessage text) {
		if (connection.rejected) {
			return;
		}
		String chunk = text.getPayload();
		int bytes = EncodedBody.utf8Length(chunk);
		if (text.isLast() && connection.partial == null) {
			if (bytes > this.maxMessageBytes) {
				tooBig(connection, pulse);
				return;
			}
			this.manager.onText(pulse, connection.transport, chunk, bytes);
			return;
		}
		connection.partialBytes += bytes;
		if (connection.partialBytes > this.maxMessageBytes) {
			tooBig(connection, pulse);
			return;
		}
		if (connection.partial == null) {
			connection.partial = new StringBuilder(Math.min(this.maxMessageBytes, 4 * chunk.length()));
		}
		connection.partial.append(chunk);
		if (!text.isLast()) {
			this.manager.onActivity(pulse);
			return;
		}
		String whole = connection.partial.toString();
		int wholeBytes = connection.partialBytes;
		connection.partial = null;
		connection.partialBytes = 0;
		this.manager.onText(pulse, connection.transport, whole, wholeBytes);
	}

	private void tooBig(Connection connection, PulseConnection pulse) {
		connection.rejected = true;
		connection.partial = null;
		this.manager.rejectFrame(pulse, connection.transport, "too-big", CloseCodes.TOO_BIG);
	}

	@Override
	public void handleTransportError(WebSocketSession session, Throwable exception) {
		Connection connection = connection(session);
		if (connection != null && connection.pulse != null) {
			this.manager.onTransportError(connection.pulse, connection.transport);
		}
	}

	@Override
	public void afterConnectionClosed(WebSocketSession session, CloseStatus closeStatus) {
		if (session.getAttributes().get(PulseHandshakeInterceptor.LEASE_ATTRIBUTE) instanceof AddressLimits.Lease lease) {
			lease.release();
		}
		Connection connection = connection(session);
		if (connection != null && connection.pulse != null) {
			this.manager.onTransportClosed(connection.pulse, connection.transport,
					WebSocketTransports.fromSpring(closeStatus));
		}
	}

	@Override
	public boolean supportsPartialMessages() {
		return true;
	}

	private static @Nullable Connection connection(WebSocketSession session) {
		return (Connection) session.getAttributes().get(CONNECTION_ATTRIBUTE);
	}

	/**
	 * Per-transport state: which session it carries and the message being assembled. Touched only by the
	 * container thread reading this WebSocket.
	 */
	private static final class Connection {

		final Transport transport;

		@Nullable PulseConnection pulse;

		@Nullable StringBuilder partial;

		int partialBytes;

		boolean rejected;

		Connection(Transport transport) {
			this.transport = transport;
		}

	}

}
