package io.github.pulse;

/**
 * Decides whether a connection may join a room it asks for itself, with a {@code join} frame. Joins the server makes
 * (the connect decision's rooms, {@link PulseConnection#join}) are not asked about.
 * <p>
 * Declare a bean of this type to replace the default, a {@link RoomPatternAuthorizer} on
 * {@code pulse.rooms.client-join} and {@code pulse.rooms.client-join-excluded}, which refuses every room when no
 * pattern is configured. {@code AuthorizationManagerRoomAuthorizer} (package {@code io.github.pulse.security})
 * adapts a Spring Security {@code AuthorizationManager}.
 */
@FunctionalInterface
public interface PulseRoomAuthorizer {

	/** Refuses every client-side join: what the engine does when no authorizer is set. */
	PulseRoomAuthorizer DENY_ALL = (connection, room) -> false;

	/**
	 * Decides on a client-side join. Called on the thread that read the frame, before the connection joins; a
	 * refusal is answered with {@code joinFailed} {@code "forbidden"}, and so is an exception (logged at WARN).
	 * @param connection the connection asking, with its {@link PulseConnection#principal() principal},
	 * {@link PulseConnection#user() user} and {@link PulseConnection#attributes() attributes}
	 * @param room the room it asks for, a valid room name
	 * @return {@code true} to let it join
	 */
	boolean mayJoin(PulseConnection connection, String room);

}
