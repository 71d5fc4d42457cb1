package io.github.pulse.test;

import java.security.Principal;
import java.util.List;

import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.web.DefaultPulseConnectHandler;
import jakarta.servlet.Filter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Identity for resume tests: the principal comes from the {@code X-User} header, as an authentication filter
 * would set it, and {@code ?id=} names the connection id (in the {@code room} parameter's room, else lobby).
 */
@Configuration(proxyBeanMethods = false)
public class IdentityTestConfiguration {

	@Bean
	Filter principalFromHeader() {
		return new PrincipalFromHeader();
	}

	/**
	 * The same on WebFlux, where the principal is the exchange's.
	 */
	@Bean
	@org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication(
			type = org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type.REACTIVE)
	org.springframework.web.server.WebFilter reactivePrincipalFromHeader() {
		return (exchange, chain) -> {
			String user = exchange.getRequest().getHeaders().getFirst("X-User");
			if (user == null) {
				return chain.filter(exchange);
			}
			Principal principal = () -> user;
			return chain.filter(exchange.mutate().principal(reactor.core.publisher.Mono.just(principal)).build());
		};
	}

	@Bean
	PulseConnectHandler explicitIdConnectHandler() {
		DefaultPulseConnectHandler defaults = new DefaultPulseConnectHandler("default");
		return (request) -> {
			String id = request.queryParam("id");
			String room = request.queryParam("room");
			return (id != null) ? ConnectDecision.accept(id, List.of((room != null) ? room : "lobby"))
					: defaults.decide(request);
		};
	}

}
