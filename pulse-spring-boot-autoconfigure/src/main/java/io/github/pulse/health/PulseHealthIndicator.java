package io.github.pulse.health;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.pulse.core.ClusterBridge;
import io.github.pulse.core.ClusterStatus;
import io.github.pulse.core.SessionManager;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * Health of the pulse engine: {@code UP} with the live connection, suspended session and room counts, and
 * {@code OUT_OF_SERVICE} once shutdown began draining connections, so that load balancers stop sending new
 * clients to this instance while existing ones are closed.
 */
public class PulseHealthIndicator extends AbstractHealthIndicator {

	/**
	 * Status of a cluster node that cannot reach Redis: it serves its own connections, but broadcasts, sends and
	 * kicks do not cross nodes. Not in Boot's default status order, so the aggregate health stays {@code UP} and
	 * load balancers keep the node; add it to {@code management.endpoint.health.status.order} to change that.
	 */
	public static final Status DEGRADED = new Status("DEGRADED", "Redis unreachable: serving local connections only");

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
		ClusterBridge cluster = this.manager.clusterBridge();
		if (cluster != null) {
			ClusterStatus status = cluster.status();
			if (!status.available() && !this.manager.isDraining()) {
				builder.status(DEGRADED);
			}
			Map<String, Object> details = new LinkedHashMap<>();
			details.put("node", status.nodeId());
			details.put("redis", status.available() ? "reachable" : "unreachable");
			details.put("nodes", status.nodes());
			details.put("connections", status.clusterConnections());
			details.put("publishFailures", status.publishFailures());
			if (status.lastError() != null) {
				details.put("error", status.lastError());
			}
			builder.withDetail("cluster", details);
		}
	}

}
