package io.github.pulse;

/**
 * Decides, before the WebSocket upgrade, whether a client may connect, under which connection id and in which
 * rooms. Runs again on every resume, so authentication is checked again.
 * <p>
 * Declare a bean of this type to replace the default, which accepts everyone, invents a random id and puts the
 * connection in the room named by the {@code room} query parameter.
 */
@FunctionalInterface
public interface PulseConnectHandler {

	/**
	 * Decides on a handshake.
	 * @param request the handshake request
	 * @return the decision, never {@code null}
	 */
	ConnectDecision decide(HandshakeRequest request);

}
