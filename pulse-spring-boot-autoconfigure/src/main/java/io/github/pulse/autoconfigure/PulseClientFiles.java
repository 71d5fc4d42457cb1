package io.github.pulse.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;

/**
 * The browser client files in this jar, their content types and ETags, for {@link PulseClientResources} (servlet)
 * and {@link PulseReactiveClientResources} (WebFlux).
 */
final class PulseClientFiles {

	static final String LOCATION = "META-INF/pulse/client/";

	static final MediaType JAVASCRIPT = MediaType.parseMediaType("text/javascript;charset=UTF-8");

	static final MediaType TEXT = MediaType.parseMediaType("text/plain;charset=UTF-8");

	private PulseClientFiles() {
	}

	/**
	 * A client file's content.
	 * @param name the file name, {@code client.js} or {@code client.d.ts}
	 * @return the bytes
	 */
	static byte[] read(String name) {
		String location = LOCATION + name;
		try (InputStream in = new ClassPathResource(location, PulseClientFiles.class.getClassLoader())
			.getInputStream()) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("pulse browser client " + location + " is missing from the classpath", ex);
		}
	}

	/**
	 * The strong ETag of a content: the first 128 bits of its SHA-256, quoted.
	 * @param content the bytes
	 * @return the ETag
	 */
	static String etag(byte[] content) {
		try {
			return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content), 0, 16) + "\"";
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
