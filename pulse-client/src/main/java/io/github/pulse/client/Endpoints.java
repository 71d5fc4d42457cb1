package io.github.pulse.client;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Endpoint URIs: scheme conversion and the resume query.
 */
final class Endpoints {

	private Endpoints() {
	}

	/**
	 * Parses an endpoint URL, turning {@code http} into {@code ws} and {@code https} into {@code wss}.
	 */
	static URI websocket(URI uri) {
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		String converted = switch (scheme) {
			case "ws", "http" -> "ws";
			case "wss", "https" -> "wss";
			default -> throw new IllegalArgumentException(
					"Endpoint URL '" + uri + "' must start with ws://, wss://, http:// or https://");
		};
		if (uri.getHost() == null) {
			throw new IllegalArgumentException("Endpoint URL '" + uri + "' has no host");
		}
		String text = uri.toString();
		String rest = text.substring(uri.getScheme().length());
		int fragment = rest.indexOf('#');
		return URI.create(converted + ((fragment >= 0) ? rest.substring(0, fragment) : rest));
	}

	/**
	 * The endpoint with {@code resume=<token>&lastSeq=<n>} appended to its query.
	 */
	static URI resume(URI endpoint, String token, long lastSeq) {
		String separator = (endpoint.getRawQuery() == null) ? "?" : "&";
		return URI.create(endpoint + separator + "resume=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
				+ "&lastSeq=" + lastSeq);
	}

}
