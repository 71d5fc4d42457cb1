package io.github.pulse.sample;

import java.util.Comparator;
import java.util.List;

import io.github.pulse.PulseServer;
import io.github.pulse.RoomNames;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Rooms for the chat's room picker.
 */
@RestController
public class RoomsController {

	private final PulseServer server;

	/**
	 * Creates the controller.
	 * @param server the pulse server
	 */
	public RoomsController(PulseServer server) {
		this.server = server;
	}

	/**
	 * Rooms that have members, by name.
	 * @return each room with its member count
	 */
	@GetMapping("/api/rooms")
	public List<RoomSize> rooms() {
		return this.server.rooms()
			.stream()
			.map((room) -> new RoomSize(room, this.server.connections(room).size()))
			.sorted(Comparator.comparing(RoomSize::room))
			.toList();
	}

	/**
	 * Users present in a room, from the library's presence.
	 * @param room the room
	 * @return its presence
	 */
	@GetMapping("/api/rooms/{room}")
	public RoomPresence room(@PathVariable String room) {
		if (!RoomNames.isValid(room)) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "room must match [A-Za-z0-9._:-]{1,128}");
		}
		List<Present> users = this.server.presence(room)
			.entrySet()
			.stream()
			.map((entry) -> new Present(entry.getKey(), entry.getValue()))
			.toList();
		return new RoomPresence(room, users);
	}

	/**
	 * A room and its size.
	 * @param room the room
	 * @param connections its member count, suspended members included
	 */
	public record RoomSize(String room, int connections) {
	}

	/**
	 * Presence of one room.
	 * @param room the room
	 * @param users its users, in the order they arrived
	 */
	public record RoomPresence(String room, List<Present> users) {
	}

	/**
	 * A present user.
	 * @param user the user
	 * @param connections how many of its connections are in the room
	 */
	public record Present(String user, int connections) {
	}

}
