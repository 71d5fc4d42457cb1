package io.github.pulse.web;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.web.socket.WebSocketHttpHeaders;

/**
 * The subprotocols pulse offers ({@code pulse.subprotocols}), in the server's order of preference: a handshake gets
 * the first one its client also lists, whatever order the client lists them in.
 */
public final class Subprotocols {

	private final List<String> offered;

	/**
	 * Creates the offer.
	 * @param offered the subprotocols, most preferred first
	 */
	public Subprotocols(List<String> offered) {
		this.offered = List.copyOf(offered);
	}

	/**
	 * The subprotocols offered.
	 * @return them, most preferred first
	 */
	public List<String> offered() {
		return this.offered;
	}

	/**
	 * The subprotocols a handshake lists, from every {@code Sec-WebSocket-Protocol} header.
	 * @param headers the handshake's headers
	 * @return the listed subprotocols, in the client's order; empty if it lists none
	 */
	public static List<String> requested(HttpHeaders headers) {
		List<String> requested = new ArrayList<>(2);
		for (String header : headers.getOrEmpty(WebSocketHttpHeaders.SEC_WEBSOCKET_PROTOCOL)) {
			for (String token : header.split(",")) {
				String trimmed = token.trim();
				if (!trimmed.isEmpty()) {
					requested.add(trimmed);
				}
			}
		}
		return requested;
	}

	/**
	 * The subprotocol to select.
	 * @param requested what the client lists
	 * @return the first offered subprotocol the client lists, or {@code null} if it lists none of them
	 */
	public @Nullable String select(List<String> requested) {
		for (String candidate : this.offered) {
			if (requested.contains(candidate)) {
				return candidate;
			}
		}
		return null;
	}

}
