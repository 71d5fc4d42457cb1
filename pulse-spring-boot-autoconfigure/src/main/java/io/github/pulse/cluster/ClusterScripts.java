package io.github.pulse.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The Lua scripts of the cluster, from the {@code .lua} resources next to this class (each documents its keys and
 * arguments).
 */
final class ClusterScripts {

	/** Numbers, appends to its room stream and publishes a broadcast. */
	static final String BROADCAST = load("broadcast.lua");

	/** Reads a range of a room stream to fill a gap. */
	static final String READ_RANGE = load("read-range.lua");

	private ClusterScripts() {
	}

	private static String load(String name) {
		try (InputStream in = ClusterScripts.class.getResourceAsStream(name)) {
			if (in == null) {
				throw new IllegalStateException("Missing cluster script " + name);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
