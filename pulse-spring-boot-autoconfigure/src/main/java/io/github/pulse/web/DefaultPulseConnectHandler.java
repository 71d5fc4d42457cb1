package io.github.pulse.web;

import java.util.List;

import io.github.pulse.ConnectDecision;
import io.github.pulse.HandshakeRequest;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.RoomNames;

/**
 * Default {@link PulseConnectHandler}: accepts everyone with a random id, in the room named by the {@code room}
 * query parameter, or the default room when there is none. An invalid room name is rejected with 400.
 */
public class DefaultPulseConnectHandler implements PulseConnectHandler {

	private final String defaultRoom;

	/**
	 * Creates the handler.
	 * @param defaultRoom room for handshakes without a {@code room} parameter
	 */
	public DefaultPulseConnectHandler(String defaultRoom) {
		RoomNames.check(defaultRoom);
		this.defaultRoom = defaultRoom;
	}

	@Override
	public ConnectDecision decide(HandshakeRequest request) {
		String room = request.queryParam("room");
		if (room == null) {
			return ConnectDecision.accept(List.of(this.defaultRoom));
		}
		return RoomNames.isValid(room) ? ConnectDecision.accept(List.of(room)) : ConnectDecision.badRequest();
	}

}
