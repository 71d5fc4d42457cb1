package io.github.pulse.autoconfigure;

import io.github.pulse.core.SessionManager;
import io.github.pulse.web.PulseHandshakeInterceptor;
import io.github.pulse.web.PulseWebSocketHandler;
import io.github.pulse.web.Subprotocols;
import io.github.pulse.web.reactive.PulseWebFluxHandler;
import io.github.pulse.web.reactive.ResumeTokenRedactingHttpHandlerDecorator;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PulseWebFluxAutoConfiguration}: pulse's endpoint in a reactive application, and only there; the servlet
 * configuration only in a servlet application.
 */
class PulseWebFluxAutoConfigurationTests {

	private static final AutoConfigurations ALL = AutoConfigurations.of(PulseAutoConfiguration.class,
			PulseWebSocketAutoConfiguration.class, PulseWebFluxAutoConfiguration.class);

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(ALL);

	@Test
	void reactiveApplicationGetsTheEndpointAtPulsePathAndNoServletConfiguration() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(SessionManager.class)
				.hasSingleBean(PulseWebSocketHandler.class)
				.hasSingleBean(PulseHandshakeInterceptor.class)
				.hasSingleBean(PulseWebFluxHandler.class)
				.hasSingleBean(ResumeTokenRedactingHttpHandlerDecorator.class)
				.doesNotHaveBean(PulseEndpointRegistrar.class);
			SimpleUrlHandlerMapping mapping = context.getBean("pulseEndpointMapping", SimpleUrlHandlerMapping.class);
			assertThat(mapping.getUrlMap()).containsOnlyKeys("/pulse");
			assertThat(mapping.getOrder()).isEqualTo(1);
		});
	}

	@Test
	void endpointFollowsPulsePath() {
		this.contextRunner.withPropertyValues("pulse.path=/realtime")
			.run((context) -> assertThat(
					context.getBean("pulseEndpointMapping", SimpleUrlHandlerMapping.class).getUrlMap())
				.containsOnlyKeys("/realtime"));
	}

	@Test
	void servletApplicationGetsTheServletConfigurationOnly() {
		new WebApplicationContextRunner().withConfiguration(ALL).run((context) -> {
			assertThat(context).hasSingleBean(PulseEndpointRegistrar.class)
				.hasSingleBean(PulseWebSocketHandler.class)
				.doesNotHaveBean(PulseWebFluxHandler.class)
				.doesNotHaveBean(ResumeTokenRedactingHttpHandlerDecorator.class)
				.doesNotHaveBean("pulseEndpointMapping");
		});
	}

	@Test
	void backsOffFromTheUsersEndpoint() {
		this.contextRunner.withUserConfiguration(OwnEndpoint.class)
			.run((context) -> assertThat(context).getBean(PulseWebFluxHandler.class)
				.isSameAs(context.getBean(OwnEndpoint.class).endpoint));
	}

	@Test
	void withoutReactorNettyTheEndpointIsNotConfigured() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HttpServer.class))
			.run((context) -> assertThat(context).hasSingleBean(SessionManager.class)
				.doesNotHaveBean(PulseWebFluxHandler.class));
	}

	@Test
	void disabledPulseConfiguresNothing() {
		this.contextRunner.withPropertyValues("pulse.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(SessionManager.class)
				.doesNotHaveBean(PulseWebFluxHandler.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnEndpoint {

		PulseWebFluxHandler endpoint;

		@Bean
		PulseWebFluxHandler ownPulseEndpoint(PulseWebSocketHandler handler, PulseHandshakeInterceptor interceptor) {
			this.endpoint = new PulseWebFluxHandler(handler, interceptor, new Subprotocols(java.util.List.of("x")),
					1024, false);
			return this.endpoint;
		}

	}

}
