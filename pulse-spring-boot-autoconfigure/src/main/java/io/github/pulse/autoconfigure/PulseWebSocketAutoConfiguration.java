package io.github.pulse.autoconfigure;

import io.github.pulse.PulseConnectHandler;
import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.SessionManager;
import io.github.pulse.web.CompressionOfferFilter;
import io.github.pulse.web.PulseHandshakeInterceptor;
import io.github.pulse.web.PulseWebSocketHandler;
import io.github.pulse.web.ResumeTokenRedactingFilter;
import io.github.pulse.web.TransportDropListener;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;
import org.springframework.web.socket.config.annotation.EnableWebSocket;

/**
 * Registers the pulse WebSocket endpoint at {@code pulse.path}, with origin checks and the handshake interceptor,
 * and serves the browser client at {@code <pulse.path>/client.js}.
 */
@AutoConfiguration(after = PulseAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "org.springframework.web.servlet.DispatcherServlet")
@ConditionalOnBean(SessionManager.class)
@EnableWebSocket
public final class PulseWebSocketAutoConfiguration {

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
		return PulseHandshakes.interceptor(sessionManager, connectHandler, observer, observationRegistry, properties);
	}

	@Bean
	PulseEndpointRegistrar pulseEndpointRegistrar(PulseWebSocketHandler handler,
			PulseHandshakeInterceptor interceptor, PulseProperties properties) {
		return new PulseEndpointRegistrar(handler, interceptor, properties);
	}

	@Bean
	FilterRegistrationBean<ResumeTokenRedactingFilter> pulseResumeTokenRedactingFilter(PulseProperties properties) {
		var registration = new FilterRegistrationBean<>(new ResumeTokenRedactingFilter());
		registration.addUrlPatterns(properties.getPath());
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
		return registration;
	}

	@Bean
	@ConditionalOnBooleanProperty(name = "pulse.compression.enabled", havingValue = false, matchIfMissing = true)
	FilterRegistrationBean<CompressionOfferFilter> pulseCompressionOfferFilter(PulseProperties properties) {
		var registration = new FilterRegistrationBean<>(new CompressionOfferFilter());
		registration.addUrlPatterns(properties.getPath());
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
		return registration;
	}

	@Bean
	PulseContainerCustomizer pulseContainerCustomizer(PulseProperties properties) {
		return new PulseContainerCustomizer((int) properties.getContainer().getMessageBufferSize().toBytes());
	}

	@Bean
	RouterFunction<ServerResponse> pulseClientRoutes(PulseProperties properties) {
		return PulseClientResources.routes(properties.getPath());
	}

	@Bean
	@ConditionalOnBooleanProperty("pulse.debug.allow-drop")
	TransportDropListener pulseTransportDropListener(ObjectProvider<SessionManager> sessionManager) {
		return new TransportDropListener(sessionManager::getObject);
	}

}
