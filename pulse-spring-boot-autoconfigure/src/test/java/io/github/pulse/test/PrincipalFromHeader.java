package io.github.pulse.test;

import java.io.IOException;
import java.security.Principal;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * The request's principal from the {@code X-User} header, as an authentication filter would set it; requests
 * without the header have none.
 */
public final class PrincipalFromHeader implements Filter {

	@Override
	public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
			throws IOException, ServletException {
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
	}

}
