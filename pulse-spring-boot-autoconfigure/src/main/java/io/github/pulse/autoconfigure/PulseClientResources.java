package io.github.pulse.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.springframework.core.io.ClassPathResource;
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

	static final String LOCATION = "META-INF/pulse/client/";

	private static final MediaType JAVASCRIPT = MediaType.parseMediaType("text/javascript;charset=UTF-8");

	private static final MediaType TEXT = MediaType.parseMediaType("text/plain;charset=UTF-8");

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
			.route(getOrHead(base + "/client.js"), file("client.js", JAVASCRIPT))
			.route(getOrHead(base + "/client.d.ts"), file("client.d.ts", TEXT))
			.build();
	}

	private static RequestPredicate getOrHead(String path) {
		return RequestPredicates.GET(path).or(RequestPredicates.HEAD(path));
	}

	private static HandlerFunction<ServerResponse> file(String name, MediaType type) {
		byte[] content = read(LOCATION + name);
		String etag = "\"" + sha256(content) + "\"";
		return (request) -> request.checkNotModified(etag)
			.orElseGet(() -> ServerResponse.ok()
				.contentType(type)
				.eTag(etag)
				.cacheControl(CacheControl.noCache())
				.body(content));
	}

	private static byte[] read(String location) {
		try (InputStream in = new ClassPathResource(location, PulseClientResources.class.getClassLoader())
			.getInputStream()) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("pulse browser client " + location + " is missing from the classpath", ex);
		}
	}

	private static String sha256(byte[] content) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content), 0, 16);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
