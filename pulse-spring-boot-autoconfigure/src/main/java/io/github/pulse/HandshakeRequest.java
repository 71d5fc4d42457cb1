package io.github.pulse;

import java.net.InetSocketAddress;
import java.net.URI;
import java.security.Principal;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.util.MultiValueMap;

/**
 * What a {@link PulseConnectHandler} sees of a WebSocket handshake.
 *
 * @param uri the request URI
 * @param headers the request headers
 * @param queryParams the decoded query parameters
 * @param principal the authenticated principal, if any
 * @param remoteAddress the client's address, if known
 * @param resume whether the client asks to resume a session
 */
public record HandshakeRequest(URI uri, HttpHeaders headers, MultiValueMap<String, String> queryParams,
		@Nullable Principal principal, @Nullable InetSocketAddress remoteAddress, boolean resume) {

	/**
	 * First value of a query parameter.
	 * @param name the parameter name
	 * @return the value or {@code null}
	 */
	public @Nullable String queryParam(String name) {
		return this.queryParams.getFirst(name);
	}

}
