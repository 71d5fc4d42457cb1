package io.github.pulse.autoconfigure;

import io.github.pulse.web.PulseHandshakeHandler;
import io.github.pulse.web.PulseHandshakeInterceptor;
import io.github.pulse.web.PulseWebSocketHandler;
import io.github.pulse.web.Subprotocols;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistration;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.support.OriginHandshakeInterceptor;

/**
 * Maps the pulse handler to {@code pulse.path}. The origin check runs first, so a foreign origin gets 403 before
 * the connect handler is asked.
 */
class PulseEndpointRegistrar implements WebSocketConfigurer {

	private final PulseWebSocketHandler handler;

	private final PulseHandshakeInterceptor interceptor;

	private final PulseProperties properties;

	PulseEndpointRegistrar(PulseWebSocketHandler handler, PulseHandshakeInterceptor interceptor,
			PulseProperties properties) {
		this.handler = handler;
		this.interceptor = interceptor;
		this.properties = properties;
	}

	@Override
	public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
		OriginHandshakeInterceptor origins = new OriginHandshakeInterceptor(this.properties.getAllowedOrigins());
		origins.setAllowedOriginPatterns(this.properties.getAllowedOriginPatterns());
		this.interceptor.setOriginCheck(origins);
		WebSocketHandlerRegistration registration = registry.addHandler(this.handler, this.properties.getPath())
			.addInterceptors(this.interceptor)
			.setHandshakeHandler(new PulseHandshakeHandler(new Subprotocols(this.properties.getSubprotocols())))
			.setAllowedOrigins(this.properties.getAllowedOrigins().toArray(String[]::new));
		registration.setAllowedOriginPatterns(this.properties.getAllowedOriginPatterns().toArray(String[]::new));
	}

}
