package io.github.pulse.web;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.support.DefaultHandshakeHandler;

/**
 * Spring's handshake handler with pulse's subprotocol selection: the server's order of preference decides, where
 * Spring's takes the first the client lists. A handshake that lists only other subprotocols never gets here: the
 * {@link PulseHandshakeInterceptor} refuses it with 400 first.
 */
public class PulseHandshakeHandler extends DefaultHandshakeHandler {

	private final Subprotocols subprotocols;

	/**
	 * Creates the handler.
	 * @param subprotocols the subprotocols offered
	 */
	public PulseHandshakeHandler(Subprotocols subprotocols) {
		this.subprotocols = subprotocols;
	}

	@Override
	protected @Nullable String selectProtocol(List<String> requestedProtocols, WebSocketHandler webSocketHandler) {
		return this.subprotocols.select(requestedProtocols);
	}

}
