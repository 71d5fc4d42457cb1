package io.github.pulse.client;

import java.security.Principal;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The handshake's principal from the {@code X-User} header, as an authentication filter would set it; the default
 * connect handler then makes its name the connection's user.
 */
@Configuration(proxyBeanMethods = false)
class PrincipalFromHeader {

	@Bean
	Filter principalFromHeaderFilter() {
		return (request, response, chain) -> {
			String user = ((HttpServletRequest) request).getHeader("X-User");
			if (user == null) {
				chain.doFilter(request, response);
				return;
			}
			Principal principal = () -> user;
			chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) request) {
				@Override
				public Principal getUserPrincipal() {
					return principal;
				}
			}, response);
		};
	}

}
