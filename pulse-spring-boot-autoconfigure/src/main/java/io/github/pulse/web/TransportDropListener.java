package io.github.pulse.web;

import java.util.function.Supplier;

import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.core.SessionManager;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Testing aid behind {@code pulse.debug.allow-drop}: a client that sends the event {@value #EVENT} has its
 * transport dropped without a close frame, as a network failure would, so that it can try session resume. A
 * browser cannot do this by itself: it always sends a close frame, which ends the session. Never enable it in
 * production: any client could make the server drop its connections at will.
 */
public class TransportDropListener implements PulseListener {

	/** Event a client sends to have its transport dropped. */
	public static final String EVENT = "pulse.drop";

	private static final Log logger = LogFactory.getLog(TransportDropListener.class);

	private final Supplier<SessionManager> manager;

	/**
	 * Creates the listener.
	 * @param manager supplies the engine; looked up lazily because the engine is built with its listeners
	 */
	public TransportDropListener(Supplier<SessionManager> manager) {
		this.manager = manager;
		logger.warn("pulse.debug.allow-drop is on: clients can ask the server to drop their transport without a "
				+ "close frame (event '" + EVENT + "'). Use it for testing resume only.");
	}

	@Override
	public void onMessage(PulseConnection connection, PulseMessage message) {
		if (EVENT.equals(message.event())) {
			this.manager.get().dropTransport(connection.id());
		}
	}

}
