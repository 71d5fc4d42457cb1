package io.github.pulse.autoconfigure;

import io.github.pulse.core.PulseSettings;
import io.github.pulse.core.SessionManager;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the pulse timer with the application and drains connections when it stops: new handshakes get 503,
 * open connections get their queued frames and then 1001 "server shutting down". Stops before the web server does.
 */
public class PulseLifecycle implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(PulseLifecycle.class);

	private final SessionManager manager;

	private final PulseProperties properties;

	private volatile boolean running;

	/**
	 * Creates the life cycle.
	 * @param manager the engine
	 * @param properties the properties, for the startup log line
	 */
	public PulseLifecycle(SessionManager manager, PulseProperties properties) {
		this.manager = manager;
		this.properties = properties;
	}

	@Override
	public void start() {
		this.manager.start();
		this.running = true;
		PulseSettings s = this.manager.settings();
		logger.info("pulse endpoint " + this.properties.getPath() + ": heartbeat " + s.heartbeatInterval() + "/"
				+ s.heartbeatTimeout() + ", write timeout " + s.writeTimeout() + ", idle timeout "
				+ ((s.idleTimeout() != null) ? s.idleTimeout() : "off") + ", send buffer " + s.sendBufferFrames()
				+ " frames/" + s.sendBufferBytes() + " B " + s.overflowPolicy().name().toLowerCase().replace('_', '-')
				+ ", resume window " + s.resumeWindow() + " (" + s.resumeBufferFrames() + " frames/"
				+ s.resumeBufferBytes() + " B), max message " + this.properties.getMaxMessageSize().toBytes()
				+ " B, max connections " + ((s.maxConnections() < 0) ? "unlimited" : s.maxConnections())
				+ ", inbound rate " + (s.inboundRateLimited() ? s.inboundRate() + "/s (burst " + s.inboundBurst() + ")"
						: "unlimited")
				+ ", client acks every " + s.clientAckMessages() + " messages or " + s.clientAckInterval()
				+ ", subprotocols " + this.properties.getSubprotocols() + ", compression "
				+ (this.properties.getCompression().isEnabled() ? "on" : "off") + ", per address: connections "
				+ ((this.properties.getMaxConnectionsPerAddress() < 0) ? "unlimited"
						: this.properties.getMaxConnectionsPerAddress())
				+ ", handshakes " + ((this.properties.getHandshake().getRate() > 0)
						? this.properties.getHandshake().getRate() + "/s" : "unlimited"));
	}

	@Override
	public void stop() {
		this.manager.shutdown();
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Opts out of context pausing (Spring Framework 7, used by the test context cache): stopping drains and ends
	 * every session and cannot be undone by a restart, so a paused context would come back refusing connections.
	 * @return {@code false}
	 */
	@Override
	public boolean isPauseable() {
		return false;
	}

	@Override
	public int getPhase() {
		// stop before WebServerGracefulShutdownLifecycle (DEFAULT_PHASE - 1024) and the web server itself
		return DEFAULT_PHASE - 512;
	}

}
