package io.github.pulse.metrics;

import io.github.pulse.core.ClusterBridge;
import io.github.pulse.core.SessionManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Publishes the gauges of {@link PulseMeters}: live connections, suspended sessions, rooms and presence, and with a
 * cluster its connections, nodes, availability and publish failures, read from the engine when the registry is
 * scraped.
 */
public class PulseMeterBinder implements MeterBinder {

	private final SessionManager manager;

	/**
	 * Creates the binder.
	 * @param manager the engine to read
	 */
	public PulseMeterBinder(SessionManager manager) {
		this.manager = manager;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		PulseMeters.CONNECTIONS_ACTIVE.gauge(this.manager, SessionManager::connectionCount).register(registry);
		PulseMeters.SESSIONS_SUSPENDED.gauge(this.manager, SessionManager::suspendedCount).register(registry);
		PulseMeters.ROOMS_ACTIVE.gauge(this.manager, SessionManager::roomCount).register(registry);
		PulseMeters.PRESENCE_ROOMS.gauge(this.manager, SessionManager::presenceRoomCount).register(registry);
		PulseMeters.PRESENCE_USERS.gauge(this.manager, SessionManager::presentUserCount).register(registry);
		ClusterBridge cluster = this.manager.clusterBridge();
		if (cluster != null) {
			PulseMeters.CLUSTER_CONNECTIONS_ACTIVE.gauge(cluster, (bridge) -> bridge.status().clusterConnections())
				.register(registry);
			PulseMeters.CLUSTER_NODES.gauge(cluster, (bridge) -> bridge.status().nodes()).register(registry);
			PulseMeters.CLUSTER_AVAILABLE.gauge(cluster, (bridge) -> bridge.status().available() ? 1 : 0)
				.register(registry);
			PulseMeters.CLUSTER_PUBLISH_FAILURES
				.functionCounter(cluster, (bridge) -> bridge.status().publishFailures())
				.register(registry);
			PulseMeters.CLUSTER_BROADCASTS_FILLED.functionCounter(cluster, (bridge) -> bridge.gaps().filled())
				.register(registry);
			PulseMeters.CLUSTER_BROADCASTS_MISSED.functionCounter(cluster, (bridge) -> bridge.gaps().missed())
				.register(registry);
			PulseMeters.CLUSTER_DEAD_RESUMES.functionCounter(cluster, (bridge) -> bridge.deadResumes().resumes())
				.register(registry);
			PulseMeters.CLUSTER_DEAD_RESUME_RECOVERED
				.functionCounter(cluster, (bridge) -> bridge.deadResumes().recovered())
				.register(registry);
			PulseMeters.CLUSTER_DEAD_RESUME_MISSED.functionCounter(cluster, (bridge) -> bridge.deadResumes().missed())
				.register(registry);
		}
	}

}
