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

	/** Reads the most recent broadcasts of a room stream, its history. */
	static final String HISTORY = load("history.lua");

	/** Deletes a directory entry if it still names this node. */
	static final String DELETE_IF_OWNER = load("delete-if-owner.lua");

	/** Counts a direct send to a connection of another node and publishes it to that node. */
	static final String SEND = load("send.lua");

	/** Publishes a message (a send to a user, presence counts) to every other live node. */
	static final String PUBLISH_TO_OTHERS = load("publish-to-others.lua");

	/** Publishes a hand-over request to a session's owner, prefixed with the cluster's position. */
	static final String REQUEST = load("request.lua");

	/** Publishes a kick to the node holding a connection. */
	static final String KICK = load("kick.lua");

	/** Counts a direct send to a session of this node. */
	static final String COUNT_SEND = load("count-send.lua");

	/** Writes a session snapshot unless a newer one is there. */
	static final String WRITE_SNAPSHOT = load("write-snapshot.lua");

	/** Writes a new token's entry and snapshot (issue.lua followed by write-snapshot.lua, in one script). */
	static final String ISSUE = load("issue.lua") + WRITE_SNAPSHOT;

	/** Claims a snapshot once for a resume after its node died. */
	static final String CLAIM = load("claim.lua");

	/** Refreshes a session's keys unless it was taken over. */
	static final String REFRESH = load("refresh.lua");

	/** Puts a claimed snapshot back. */
	static final String RESTORE = load("restore.lua");

	/** Reads what a resume after the owner's death needs, at one instant. */
	static final String READ_STATE = load("read-state.lua");

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
