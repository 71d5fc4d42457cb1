package io.github.pulse.security;

import io.github.pulse.PulseConnection;

/**
 * What an {@code AuthorizationManager<RoomJoin>} decides on: a connection asking to join a room.
 *
 * @param connection the connection, with its principal, user and attributes
 * @param room the room it asks for, a valid room name
 */
public record RoomJoin(PulseConnection connection, String room) {
}
