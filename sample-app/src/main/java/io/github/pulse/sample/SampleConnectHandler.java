package io.github.pulse.sample;

import java.util.List;

import io.github.pulse.ConnectDecision;
import io.github.pulse.HandshakeRequest;
import io.github.pulse.PulseConnectHandler;
import io.github.pulse.web.DefaultPulseConnectHandler;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The demo's connect handler: the default one's rules (a random connection id, the room named by {@code room}, the
 * default room without it, 400 for an invalid room name), with the connection belonging to the user named by the
 * {@code name} query parameter. There is no authentication: anyone may call themselves anything, which is what a
 * demo wants and a real application must not do (take the user from the handshake principal instead). An empty
 * {@code room} parameter puts the connection in no room: the chat page joins its room itself, which brings the
 * room's presence and history.
 */
@Component
public class SampleConnectHandler implements PulseConnectHandler {

	static final int MAX_NAME_LENGTH = 40;

	private final DefaultPulseConnectHandler defaults;

	/**
	 * Creates the handler.
	 * @param defaultRoom room for handshakes without a {@code room} parameter
	 */
	public SampleConnectHandler(@Value("${pulse.default-room}") String defaultRoom) {
		this.defaults = new DefaultPulseConnectHandler(defaultRoom);
	}

	@Override
	public ConnectDecision decide(HandshakeRequest request) {
		String name = request.queryParam("name");
		if (name != null && !isValidName(name)) {
			return ConnectDecision.badRequest();
		}
		String room = request.queryParam("room");
		ConnectDecision decision = (room != null && room.isEmpty()) ? ConnectDecision.accept(List.of())
				: this.defaults.decide(request);
		if (name == null || decision.rejection() != null) {
			return decision;
		}
		return decision.withUser(name);
	}

	/**
	 * Whether a name may be a user: 1 to 40 characters, none of them blank at either end or a control character.
	 * @param name the name
	 * @return whether it is valid
	 */
	static boolean isValidName(String name) {
		return !name.isEmpty() && name.length() <= MAX_NAME_LENGTH && name.strip().equals(name)
				&& name.chars().noneMatch(Character::isISOControl);
	}

}
