package io.github.pulse.client;

/**
 * A user arrived in a room with presence or left it: the server's
 * {@code {"type":"presence","room":..,"joined":{"user":..}}} (the user's first connection joined the room) or
 * {@code .."left":{"user":..}} (its last left).
 *
 * @param room the room
 * @param user the user
 * @param joined {@code true} when the user arrived, {@code false} when it left
 */
public record PresenceEvent(String room, String user, boolean joined) {
}
