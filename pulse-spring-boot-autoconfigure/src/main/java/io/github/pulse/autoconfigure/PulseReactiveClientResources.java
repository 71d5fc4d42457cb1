package io.github.pulse.autoconfigure;

import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The browser client on WebFlux, as {@link PulseClientResources} serves it on the servlet stack: the same two files at the same paths, with the same ETag and caching.
 */
final class PulseReactiveClientResources {

	private PulseReactiveClientResources() {
	}

	/**
	 * Routes for the client files below an endpoint path.
	 * @param path the value of {@code pulse.path}
	 * @return the routes
	 */
	static RouterFunction<ServerResponse> routes(String path) {
		String base = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
		return RouterFunctions.route()
			.route(getOrHead(base + "/client.js"), file("client.js", PulseClientFiles.JAVASCRIPT))
			.route(getOrHead(base + "/client.d.ts"), file("client.d.ts", PulseClientFiles.TEXT))
			.build();
	}

	private static RequestPredicate getOrHead(String path) {
		return RequestPredicates.GET(path).or(RequestPredicates.HEAD(path));
	}

	private static HandlerFunction<ServerResponse> file(String name, MediaType type) {
		byte[] content = PulseClientFiles.read(name);
		String etag = PulseClientFiles.etag(content);
		return (request) -> request.checkNotModified(etag)
			.switchIfEmpty(ServerResponse.ok()
				.contentType(type)
				.eTag(etag)
				.cacheControl(CacheControl.noCache())
				.bodyValue(content));
	}

}
