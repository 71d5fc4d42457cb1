package io.github.pulse.core;

/**
 * Takes the presence counts of this node, room by room; see {@link SessionManager#localPresence}.
 */
@FunctionalInterface
public interface PresenceSink {

	/**
	 * A user's connections in a room on this node.
	 * @param room the room
	 * @param user the user
	 * @param count its connections there, at least 1
	 */
	void count(String room, String user, int count);

}
