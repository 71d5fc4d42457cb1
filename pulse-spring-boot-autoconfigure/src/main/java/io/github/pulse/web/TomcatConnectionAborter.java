package io.github.pulse.web;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

import jakarta.websocket.Session;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Closes the TCP connection under a Tomcat WebSocket session without sending a close frame, so that the client
 * sees an abnormal drop (1006) as it would on a network failure. The Jakarta API cannot do this: every
 * {@code Session.close} sends a close frame (asking for 1006 sends 1002). This class reaches Tomcat's socket
 * through its internals ({@code WsSession.wsRemoteEndpoint}, then {@code WsRemoteEndpointImplServer.socketWrapper})
 * and is used only by {@code pulse.debug.allow-drop}, a testing aid; every other code path stays on public API.
 * When the internals are not there (another container or Tomcat version), {@link #abort} returns {@code false} and
 * the caller falls back to a regular close.
 */
final class TomcatConnectionAborter {

	private static final Log logger = LogFactory.getLog(TomcatConnectionAborter.class);

	private static final @Nullable Access ACCESS = Access.resolve();

	private TomcatConnectionAborter() {
	}

	/**
	 * Closes the socket of a Tomcat WebSocket session without a close frame.
	 * @param session the native session
	 * @return {@code true} if the socket was closed, {@code false} if this is not a Tomcat session or its internals
	 * could not be reached
	 */
	static boolean abort(Session session) {
		Access access = ACCESS;
		if (access == null || !access.wsSession.isInstance(session)) {
			return false;
		}
		try {
			Object endpoint = access.remoteEndpoint.get(session);
			if (!access.serverEndpoint.isInstance(endpoint)) {
				return false;
			}
			Object socketWrapper = access.socketWrapper.get(endpoint);
			if (socketWrapper == null) {
				return false;
			}
			access.close.invoke(socketWrapper);
			return true;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			logger.warn("Could not drop the Tomcat connection of WebSocket session " + session.getId()
					+ " without a close frame; closing it with 1001 instead: " + ex);
			return false;
		}
	}

	/**
	 * Reflective handles on Tomcat's internals, resolved once.
	 */
	private record Access(Class<?> wsSession, Field remoteEndpoint, Class<?> serverEndpoint, Field socketWrapper,
			Method close) {

		static @Nullable Access resolve() {
			try {
				ClassLoader loader = TomcatConnectionAborter.class.getClassLoader();
				Class<?> wsSession = Class.forName("org.apache.tomcat.websocket.WsSession", false, loader);
				Field remoteEndpoint = wsSession.getDeclaredField("wsRemoteEndpoint");
				remoteEndpoint.setAccessible(true);
				Class<?> serverEndpoint = Class
					.forName("org.apache.tomcat.websocket.server.WsRemoteEndpointImplServer", false, loader);
				Field socketWrapper = serverEndpoint.getDeclaredField("socketWrapper");
				socketWrapper.setAccessible(true);
				Method close = socketWrapper.getType().getMethod("close");
				return new Access(wsSession, remoteEndpoint, serverEndpoint, socketWrapper, close);
			}
			catch (ReflectiveOperationException | LinkageError | RuntimeException ex) {
				if (logger.isDebugEnabled()) {
					logger.debug("Tomcat WebSocket internals not available; transport drops will close with 1001: "
							+ ex);
				}
				return null;
			}
		}

	}

}
