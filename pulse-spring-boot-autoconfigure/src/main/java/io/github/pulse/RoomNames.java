package io.github.pulse;

import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Rules for room names: 1 to 128 characters from {@code [A-Za-z0-9._:-]}.
 */
public final class RoomNames {

	private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

	private RoomNames() {
	}

	/**
	 * Whether a string is a valid room name.
	 * @param room the candidate
	 * @return {@code true} if valid
	 */
	public static boolean isValid(@Nullable String room) {
		return room != null && VALID.matcher(room).matches();
	}

	/**
	 * Checks a room name.
	 * @param room the candidate
	 * @throws IllegalArgumentException if it is not valid
	 */
	public static void check(String room) {
		if (!isValid(room)) {
			throw new IllegalArgumentException("Room name must match [A-Za-z0-9._:-]{1,128}");
		}
	}

}
