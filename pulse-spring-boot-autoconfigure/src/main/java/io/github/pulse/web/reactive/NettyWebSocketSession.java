package io.github.pulse.web.reactive;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.security.Principal;
import java.util.List;
import java.util.Map;

import io.github.pulse.core.Transport;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketExtension;
import org.springframework.web.socket.WebSocketMessage;
import org.springframework.web.socket.adapter.NativeWebSocketSession;

/**
 * A Reactor Netty WebSocket as a Spring WebSocket session, so that the same
 * {@link io.github.pulse.web.PulseWebSocketHandler} serves both stacks. Its native session is the
 * {@link NettyTransport}, which the handler writes through; the session itself carries only what the handler reads:
 * the handshake's attributes, the principal and the addresses. Sending through it is not supported.
 */
final class NettyWebSocketSession implements NativeWebSocketSession {

	private final NettyTransport transport;

	private final Map<String, Object> attributes;

	private final @Nullable Principal principal;

	private final URI uri;

	NettyWebSocketSession(NettyTransport transport, Map<String, Object> attributes, @Nullable Principal principal,
			URI uri) {
		this.transport = transport;
		this.attributes = attributes;
		this.principal = principal;
		this.uri = uri;
	}

	@Override
	public Object getNativeSession() {
		return this.transport;
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T> @Nullable T getNativeSession(@Nullable Class<T> requiredType) {
		return (requiredType == null || requiredType.isInstance(this.transport)) ? (T) this.transport : null;
	}

	@Override
	public String getId() {
		return this.transport.channel().id().asShortText();
	}

	@Override
	public URI getUri() {
		return this.uri;
	}

	@Override
	public HttpHeaders getHandshakeHeaders() {
		return HttpHeaders.EMPTY;
	}

	@Override
	public Map<String, Object> getAttributes() {
		return this.attributes;
	}

	@Override
	public @Nullable Principal getPrincipal() {
		return this.principal;
	}

	@Override
	public @Nullable InetSocketAddress getLocalAddress() {
		SocketAddress address = this.transport.channel().localAddress();
		return (address instanceof InetSocketAddress inet) ? inet : null;
	}

	@Override
	public @Nullable InetSocketAddress getRemoteAddress() {
		return this.transport.remoteAddress();
	}

	@Override
	public @Nullable String getAcceptedProtocol() {
		return this.transport.subprotocol();
	}

	@Override
	public void setTextMessageSizeLimit(int messageSizeLimit) {
	}

	@Override
	public int getTextMessageSizeLimit() {
		return Integer.MAX_VALUE;
	}

	@Override
	public void setBinaryMessageSizeLimit(int messageSizeLimit) {
	}

	@Override
	public int getBinaryMessageSizeLimit() {
		return Integer.MAX_VALUE;
	}

	@Override
	public List<WebSocketExtension> getExtensions() {
		return List.of();
	}

	@Override
	public void sendMessage(WebSocketMessage<?> message) {
		throw new UnsupportedOperationException("pulse writes through its Transport");
	}

	@Override
	public boolean isOpen() {
		return this.transport.channel().isActive();
	}

	@Override
	public void close() {
		this.transport.close(io.github.pulse.PulseCloseStatus.NORMAL);
	}

	@Override
	public void close(CloseStatus status) {
		this.transport.close(io.github.pulse.PulseCloseStatus.truncating(status.getCode(),
				(status.getReason() != null) ? status.getReason() : ""));
	}

	/**
	 * The transport this session stands for.
	 * @return the transport
	 */
	Transport transport() {
		return this.transport;
	}

}
