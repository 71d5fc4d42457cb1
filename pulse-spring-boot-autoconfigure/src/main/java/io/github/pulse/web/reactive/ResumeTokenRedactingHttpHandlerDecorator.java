package io.github.pulse.web.reactive;

import java.net.URI;

import io.github.pulse.web.ResumeTokenRedactingFilter;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The reactive counterpart of {@link ResumeTokenRedactingFilter}: a handshake on the pulse path reaches WebFlux with
 * {@code resume=redacted} in its URI, so the resume token does not reach the debug log of Spring's
 * {@code HttpWebHandlerAdapter} (which logs every request line with its query), Spring Security's, or anything else
 * that logs a request. It decorates the whole HTTP handler, since a {@code WebFilter} runs after that log line. The
 * real query goes to {@link PulseWebFluxHandler} in the Reactor context, under {@link #ORIGINAL_QUERY_KEY}.
 */
public class ResumeTokenRedactingHttpHandlerDecorator implements HttpHandlerDecoratorFactory {

	/** Reactor context key of the original query string of a redacted handshake. */
	public static final String ORIGINAL_QUERY_KEY = ResumeTokenRedactingHttpHandlerDecorator.class.getName() + ".query";

	private final String path;

	/**
	 * Creates the decorator.
	 * @param path the pulse endpoint's path ({@code pulse.path}), within the application: only its requests are
	 * redacted, so that the application's own {@code resume} parameters are left alone
	 */
	public ResumeTokenRedactingHttpHandlerDecorator(String path) {
		this.path = path;
	}

	@Override
	public HttpHandler apply(HttpHandler delegate) {
		return (request, response) -> {
			String query = request.getURI().getRawQuery();
			if (query == null || !this.path.equals(request.getPath().pathWithinApplication().value())) {
				return delegate.handle(request, response);
			}
			String redacted = ResumeTokenRedactingFilter.redact(query);
			if (redacted.equals(query)) {
				return delegate.handle(request, response);
			}
			URI uri = UriComponentsBuilder.fromUri(request.getURI()).replaceQuery(redacted).build(true).toUri();
			ServerHttpRequest hidden = request.mutate().uri(uri).build();
			return delegate.handle(hidden, response).contextWrite((context) -> context.put(ORIGINAL_QUERY_KEY, query));
		};
	}

}
