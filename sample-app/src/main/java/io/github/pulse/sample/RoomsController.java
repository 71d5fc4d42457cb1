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

	private final Presence presence;

	/**
	 * Creates the controller.
	 * @param server the pulse server
	 * @param presence who is in which room
	 */
	public RoomsController(PulseServer server, Presence presence) {
		this.server = server;
		this.presence = presence;
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
	 * Named members of a room.
	 * @param room the room
	 * @return its presence
	 */
	@GetMapping("/api/rooms/{room}")
	public Presence.RoomView room(@PathVariable String room) {
		if (!RoomNames.isValid(room)) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "room must match [A-Za-z0-9._:-]{1,128}");
		}
		return this.presence.view(room);
	}

	/**
	 * A room and its size.
	 * @param room the room
	 * @param connections its member count, suspended members included
	 */
	public record RoomSize(String room, int connections) {
	}

}
