package io.github.pulse.autoconfigure;

import java.util.Map;

import io.github.pulse.PulseConnectHandler;
import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.SessionManager;
import io.github.pulse.web.PulseHandshakeInterceptor;
import io.github.pulse.web.PulseWebSocketHandler;
import io.github.pulse.web.Subprotocols;
import io.github.pulse.web.TransportDropListener;
import io.github.pulse.web.reactive.PulseWebFluxHandler;
import io.github.pulse.web.reactive.ResumeTokenRedactingHttpHandlerDecorator;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.DispatcherHandler;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.socket.server.support.OriginHandshakeInterceptor;
import reactor.netty.http.server.HttpServer;

/**
 * Registers the pulse WebSocket endpoint at {@code pulse.path} in a reactive (WebFlux on Reactor Netty) application,
 * with the same handshake decisions, handler, origin checks and client files as
 * {@link PulseWebSocketAutoConfiguration} on the servlet stack.
 */
@AutoConfiguration(after = PulseAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ DispatcherHandler.class, HttpServer.class })
@ConditionalOnBean(SessionManager.class)
public final class PulseWebFluxAutoConfiguration {

	/** Where Spring's servlet WebSocket handler mapping sits: after annotated controllers. */
	private static final int ENDPOINT_ORDER = 1;

	@Bean
	@ConditionalOnMissingBean
	PulseWebSocketHandler pulseWebSocketHandler(SessionManager sessionManager, PulseProperties properties) {
		return PulseHandshakes.handler(sessionManager, properties);
	}

	@Bean
	@ConditionalOnMissingBean
	PulseHandshakeInterceptor pulseHandshakeInterceptor(SessionManager sessionManager,
			PulseConnectHandler connectHandler, ObjectProvider<PulseObserver> observer,
			ObjectProvider<ObservationRegistry> observationRegistry, PulseProperties properties) {
		PulseHandshakeInterceptor interceptor = PulseHandshakes.interceptor(sessionManager, connectHandler,
				observer, observationRegistry, properties);
		OriginHandshakeInterceptor origins = new OriginHandshakeInterceptor(properties.getAllowedOrigins());
		origins.setAllowedOriginPatterns(properties.getAllowedOriginPatterns());
		interceptor.setOriginCheck(origins);
		return interceptor;
	}

	@Bean
	@ConditionalOnMissingBean
	PulseWebFluxHandler pulseWebFluxHandler(PulseWebSocketHandler handler, PulseHandshakeInterceptor interceptor,
			PulseProperties properties) {
		return new PulseWebFluxHandler(handler, interceptor, new Subprotocols(properties.getSubprotocols()),
				(int) properties.getMaxMessageSize().toBytes(), properties.getCompression().isEnabled());
	}

	@Bean
	ResumeTokenRedactingHttpHandlerDecorator pulseResumeTokenRedactingHttpHandlerDecorator(PulseProperties properties) {
		return new ResumeTokenRedactingHttpHandlerDecorator(properties.getPath());
	}

	@Bean
	SimpleUrlHandlerMapping pulseEndpointMapping(PulseWebFluxHandler endpoint, PulseProperties properties) {
		return new SimpleUrlHandlerMapping(Map.of(properties.getPath(), endpoint), ENDPOINT_ORDER);
	}

	@Bean
	RouterFunction<ServerResponse> pulseClientRoutes(PulseProperties properties) {
		return PulseReactiveClientResources.routes(properties.getPath());
	}

	@Bean
	@ConditionalOnBooleanProperty("pulse.debug.allow-drop")
	TransportDropListener pulseTransportDropListener(ObjectProvider<SessionManager> sessionManager) {
		return new TransportDropListener(sessionManager::getObject);
	}

}
