package io.github.pulse.web.reactive;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.Principal;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.ServerHttpAsyncRequestControl;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * A WebFlux handshake as the request and response that {@link io.github.pulse.web.PulseHandshakeInterceptor}
 * decides on, so that both stacks refuse and admit handshakes by the same code. The request has no body; the
 * response writes its status and headers straight to the WebFlux response, and has no body either (rejections carry
 * none).
 */
final class HandshakeRequestAdapter implements ServerHttpRequest {

	private final org.springframework.http.server.reactive.ServerHttpRequest request;

	private final @Nullable Principal principal;

	private final URI uri;

	/**
	 * @param originalQuery the handshake's query before {@link ResumeTokenRedactingHttpHandlerDecorator} redacted it,
	 * or {@code null} if it was not
	 */
	HandshakeRequestAdapter(ServerWebExchange exchange, @Nullable Principal principal, @Nullable String originalQuery) {
		this.request = exchange.getRequest();
		this.principal = principal;
		this.uri = (originalQuery != null)
				? UriComponentsBuilder.fromUri(this.request.getURI()).replaceQuery(originalQuery).build(true).toUri()
				: this.request.getURI();
	}

	@Override
	public HttpMethod getMethod() {
		return this.request.getMethod();
	}

	@Override
	public URI getURI() {
		return this.uri;
	}

	@Override
	public Map<String, Object> getAttributes() {
		return this.request.getAttributes();
	}

	@Override
	public HttpHeaders getHeaders() {
		return this.request.getHeaders();
	}

	@Override
	public @Nullable Principal getPrincipal() {
		return this.principal;
	}

	@Override
	public @Nullable InetSocketAddress getLocalAddress() {
		return this.request.getLocalAddress();
	}

	/**
	 * The client's address as WebFlux reports it: behind a proxy, the one Spring's forwarded-header handling
	 * ({@code server.forward-headers-strategy}) took from the proxy's headers.
	 */
	@Override
	public @Nullable InetSocketAddress getRemoteAddress() {
		return this.request.getRemoteAddress();
	}

	@Override
	public ServerHttpAsyncRequestControl getAsyncRequestControl(ServerHttpResponse response) {
		throw new UnsupportedOperationException("A WebSocket handshake is not an asynchronous servlet request");
	}

	@Override
	public InputStream getBody() {
		return InputStream.nullInputStream();
	}

	/**
	 * The response side: status and headers of the WebFlux response.
	 */
	static final class Response implements ServerHttpResponse {

		private final org.springframework.http.server.reactive.ServerHttpResponse response;

		Response(ServerWebExchange exchange) {
			this.response = exchange.getResponse();
		}

		@Override
		public void setStatusCode(HttpStatusCode status) {
			this.response.setStatusCode(status);
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.response.getHeaders();
		}

		@Override
		public java.io.OutputStream getBody() {
			throw new UnsupportedOperationException("Handshake rejections carry no body");
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	}

}
