package io.github.pulse.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Hides the {@code resume} query parameter of a handshake from everything after it: the request's query string
 * and URL show {@code resume=redacted}, so the resume token does not reach the debug logs of Spring's
 * {@code DispatcherServlet}, its WebSocket sessions (whose {@code toString} includes the URI), Spring Security or
 * anything else that logs a request line. The real query is kept in a request attribute for
 * {@link PulseHandshakeInterceptor}. Register it first in the filter chain, for the pulse path only.
 */
public class ResumeTokenRedactingFilter extends OncePerRequestFilter {

	/** Request attribute holding the original query string when it was redacted. */
	public static final String ORIGINAL_QUERY_ATTRIBUTE = ResumeTokenRedactingFilter.class.getName() + ".query";

	static final String REDACTED = "redacted";

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String query = request.getQueryString();
		String redacted = (query != null) ? redact(query) : null;
		if (redacted == null || redacted.equals(query)) {
			chain.doFilter(request, response);
			return;
		}
		request.setAttribute(ORIGINAL_QUERY_ATTRIBUTE, query);
		chain.doFilter(new RedactedRequest(request, redacted), response);
	}

	/**
	 * Replaces the value of every {@code resume} parameter; shared with the reactive stack's
	 * {@link io.github.pulse.web.reactive.ResumeTokenRedactingHttpHandlerDecorator}.
	 * @param query a raw query string
	 * @return the query with {@code resume=redacted}
	 */
	public static String redact(String query) {
		StringBuilder result = new StringBuilder(query.length());
		int start = 0;
		while (start <= query.length()) {
			int end = query.indexOf('&', start);
			if (end < 0) {
				end = query.length();
			}
			String pair = query.substring(start, end);
			result.append((start > 0) ? "&" : "");
			int equals = pair.indexOf('=');
			String name = (equals < 0) ? pair : pair.substring(0, equals);
			result.append(name.equals("resume") ? "resume=" + REDACTED : pair);
			start = end + 1;
		}
		return result.toString();
	}

	private static final class RedactedRequest extends HttpServletRequestWrapper {

		private final String query;

		RedactedRequest(HttpServletRequest request, String query) {
			super(request);
			this.query = query;
		}

		@Override
		public @Nullable String getQueryString() {
			return this.query;
		}

		@Override
		public @Nullable String getParameter(String name) {
			return name.equals("resume") ? REDACTED : super.getParameter(name);
		}

		@Override
		public java.util.Map<String, String[]> getParameterMap() {
			java.util.Map<String, String[]> parameters = new java.util.LinkedHashMap<>(super.getParameterMap());
			parameters.computeIfPresent("resume", (name, values) -> new String[] { REDACTED });
			return parameters;
		}

		@Override
		public String @Nullable [] getParameterValues(String name) {
			return name.equals("resume") ? new String[] { REDACTED } : super.getParameterValues(name);
		}

	}

}
