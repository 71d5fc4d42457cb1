package io.github.pulse.web.reactive;

import java.security.Principal;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.github.pulse.web.AddressLimits;
import io.netty.channel.Channel;
import io.github.pulse.web.PulseHandshakeInterceptor;
import io.github.pulse.web.PulseWebSocketHandler;
import io.github.pulse.web.Subprotocols;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebHandler;
import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;
import reactor.netty.http.websocket.WebsocketOutbound;

/**
 * The pulse endpoint on WebFlux with Reactor Netty. A handshake is decided by the same
 * {@link PulseHandshakeInterceptor} as on the servlet stack (origin, draining, per-address limits with 429 and
 * {@code Retry-After}, {@code pulse.max-connections}, subprotocols, resume parameters, the connect handler), before
 * the upgrade; an admitted one is upgraded by Reactor Netty with the subprotocol pulse prefers, the frame size limit
 * and the compression setting, and its frames go to the same {@link PulseWebSocketHandler}. A request that is not a
 * WebSocket handshake gets 405 (not a GET) or 400, as from Spring's servlet handshake handler.
 */
public class PulseWebFluxHandler implements WebHandler {

	private final PulseWebSocketHandler handler;

	private final PulseHandshakeInterceptor interceptor;

	private final Subprotocols subprotocols;

	private final int maxFramePayloadLength;

	private final boolean compress;

	/**
	 * Creates the endpoint.
	 * @param handler the handler of the WebSockets' frames and lifecycle
	 * @param interceptor decides on handshakes
	 * @param subprotocols the subprotocols offered
	 * @param maxMessageBytes {@code pulse.max-message-size}: frames up to twice this reach the handler, which refuses
	 * what is over it with 1009; Netty refuses larger frames with 1009 without reading them
	 * @param compress whether to accept permessage-deflate
	 */
	public PulseWebFluxHandler(PulseWebSocketHandler handler, PulseHandshakeInterceptor interceptor,
			Subprotocols subprotocols, int maxMessageBytes, boolean compress) {
		this.handler = handler;
		this.interceptor = interceptor;
		this.subprotocols = subprotocols;
		this.maxFramePayloadLength = (int) Math.min(Integer.MAX_VALUE, 2L * maxMessageBytes);
		this.compress = compress;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange) {
		ServerHttpResponse response = exchange.getResponse();
		if (exchange.getRequest().getMethod() != HttpMethod.GET) {
			response.setStatusCode(HttpStatus.METHOD_NOT_ALLOWED);
			response.getHeaders().setAllow(java.util.Set.of(HttpMethod.GET));
			return response.setComplete();
		}
		if (!"websocket".equalsIgnoreCase(exchange.getRequest().getHeaders().getUpgrade())) {
			response.setStatusCode(HttpStatus.BAD_REQUEST);
			return response.setComplete();
		}
		return exchange.getPrincipal()
			.map(Optional::of)
			.defaultIfEmpty(Optional.empty())
			.flatMap((principal) -> handshake(exchange, principal.orElse(null)));
	}

	private Mono<Void> handshake(ServerWebExchange exchange, @Nullable Principal principal) {
		return Mono.deferContextual((context) -> {
			Map<String, Object> attributes = new HashMap<>(8);
			String query = context.getOrDefault(ResumeTokenRedactingHttpHandlerDecorator.ORIGINAL_QUERY_KEY, null);
			if (!decide(exchange, principal, query, attributes,
					context.getOrDefault(ObservationThreadLocalAccessor.KEY, null))) {
				return exchange.getResponse().setComplete();
			}
			return upgrade(exchange, principal, attributes);
		});
	}

	/**
	 * Runs the interceptor in the scope of the HTTP server observation, which WebFlux keeps in the Reactor context
	 * rather than on the thread, so that {@code pulse.handshake} is its child as on the servlet stack. The interceptor
	 * sees the handshake's real query ({@link ResumeTokenRedactingHttpHandlerDecorator} hid its resume token from
	 * the request everything else sees).
	 */
	private boolean decide(ServerWebExchange exchange, @Nullable Principal principal, @Nullable String originalQuery,
			Map<String, Object> attributes, @Nullable Observation parent) {
		HandshakeRequestAdapter request = new HandshakeRequestAdapter(exchange, principal, originalQuery);
		HandshakeRequestAdapter.Response response = new HandshakeRequestAdapter.Response(exchange);
		if (parent == null) {
			return this.interceptor.beforeHandshake(request, response, this.handler, attributes);
		}
		try (Observation.Scope scope = parent.openScope()) {
			return this.interceptor.beforeHandshake(request, response, this.handler, attributes);
		}
	}

	private Mono<Void> upgrade(ServerWebExchange exchange, @Nullable Principal principal,
			Map<String, Object> attributes) {
		String protocol = this.subprotocols.select(Subprotocols.requested(exchange.getRequest().getHeaders()));
		WebsocketServerSpec.Builder builder = WebsocketServerSpec.builder();
		if (protocol != null) {
			builder.protocols(protocol);
		}
		WebsocketServerSpec spec = builder.maxFramePayloadLength(this.maxFramePayloadLength)
			.handlePing(true)
			.compress(this.compress)
			.build();
		HttpServerResponse nativeResponse = ServerHttpResponseDecorator.getNativeResponse(exchange.getResponse());
		return nativeResponse.sendWebsocket((inbound, outbound) -> {
			NettyTransport transport = new NettyTransport(channel(outbound), outbound, protocol);
			NettyWebSocketSession session = new NettyWebSocketSession(transport, attributes, principal,
					exchange.getRequest().getURI());
			return new NettyConnection(this.handler, session).run(inbound);
		}, spec).doOnError((ex) -> releaseLease(attributes));
	}

	/**
	 * Gives back the per-address place of a handshake that did not upgrade; released at most once, so the
	 * connection's own release when it closes does no harm.
	 */
	private static void releaseLease(Map<String, Object> attributes) {
		for (Object value : attributes.values()) {
			if (value instanceof AddressLimits.Lease lease) {
				lease.release();
			}
		}
	}

	private static Channel channel(WebsocketOutbound outbound) {
		Channel[] channel = new Channel[1];
		outbound.withConnection((connection) -> channel[0] = connection.channel());
		return channel[0];
	}

}
