package io.github.pulse;

import java.util.List;

import org.springframework.util.PatternMatchUtils;

/**
 * Lets a connection join the rooms whose names match one of the allowed patterns and none of the excluded ones. A
 * pattern is a room name in which {@code *} stands for any number of characters: {@code chat-*}, {@code *}. With no
 * allowed pattern every client-side join is refused.
 */
public final class RoomPatternAuthorizer implements PulseRoomAuthorizer {

	private final String[] allowed;

	private final String[] excluded;

	/**
	 * Creates an authorizer.
	 * @param allowed patterns of the rooms a client may join
	 * @param excluded patterns of the rooms a client may not join even when an allowed pattern matches
	 * @throws IllegalArgumentException if a pattern is not valid (see {@link #isValidPattern})
	 */
	public RoomPatternAuthorizer(List<String> allowed, List<String> excluded) {
		this.allowed = checked(allowed);
		this.excluded = checked(excluded);
	}

	private static String[] checked(List<String> patterns) {
		for (String pattern : patterns) {
			if (!isValidPattern(pattern)) {
				throw new IllegalArgumentException("Room pattern '" + pattern + "' must be 1 to 128 characters from "
						+ "[A-Za-z0-9._:-] and '*'");
			}
		}
		return patterns.toArray(String[]::new);
	}

	/**
	 * Whether a string is a valid room pattern: 1 to 128 characters, each a room-name character or {@code *}.
	 * @param pattern the candidate
	 * @return {@code true} if valid
	 */
	public static boolean isValidPattern(String pattern) {
		return RoomNames.isValid(pattern.replace('*', 'x'));
	}

	/**
	 * Whether a room's name matches the allowed patterns and none of the excluded ones; the connection is not
	 * looked at.
	 */
	@Override
	public boolean mayJoin(PulseConnection connection, String room) {
		return PatternMatchUtils.simpleMatch(this.allowed, room) && !PatternMatchUtils.simpleMatch(this.excluded, room);
	}

}
