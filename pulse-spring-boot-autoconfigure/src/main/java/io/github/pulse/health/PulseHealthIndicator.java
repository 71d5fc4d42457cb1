package io.github.pulse.health;

import io.github.pulse.core.SessionManager;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the pulse engine: {@code UP} with the live connection, suspended session and room counts, and
 * {@code OUT_OF_SERVICE} once shutdown began draining connections, so that load balancers stop sending new
 * clients to this instance while existing ones are closed.
 */
public class PulseHealthIndicator extends AbstractHealthIndicator {

	private final SessionManager manager;

	/**
	 * Creates the indicator.
	 * @param manager the engine
	 */
	public PulseHealthIndicator(SessionManager manager) {
		super("pulse health check failed");
		this.manager = manager;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		if (this.manager.isDraining()) {
			builder.outOfService();
		}
		else {
			builder.up();
		}
		builder.withDetail("connections", this.manager.connectionCount())
			.withDetail("suspended", this.manager.suspendedCount())
			.withDetail("rooms", this.manager.roomCount());
	}

}
