package io.github.pulse.autoconfigure;


import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.HandlerFunction;
import org.springframework.web.servlet.function.RequestPredicate;
import org.springframework.web.servlet.function.RequestPredicates;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Serves the browser client that ships in this jar at {@code <pulse.path>/client.js}, with its TypeScript
 * declarations at {@code <pulse.path>/client.d.ts}. Only these two paths are mapped, so the WebSocket endpoint at
 * {@code pulse.path} and any other path below it stay free. Browsers revalidate on every load with the ETag, so
 * an upgraded server is picked up at once. The content types are set here because containers map {@code .ts} to
 * MPEG transport streams.
 */
final class PulseClientResources {

	private PulseClientResources() {
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
			.orElseGet(() -> ServerResponse.ok()
				.contentType(type)
				.eTag(etag)
				.cacheControl(CacheControl.noCache())
				.body(content));
	}

}
