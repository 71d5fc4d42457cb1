package io.github.pulse.core;

import org.jspecify.annotations.Nullable;

/**
 * What a node knows of its cluster, as of its last heartbeat.
 *
 * @param nodeId id of this node
 * @param available whether the node reached Redis at its last heartbeat; when not, it serves only its own
 * connections
 * @param nodes live nodes, this one included, as of the last successful heartbeat
 * @param clusterConnections live connections on all nodes, as of the last successful heartbeat
 * @param publishFailures broadcasts and commands that could not be handed to Redis since start
 * @param lastError the error of the last failed heartbeat while unavailable, else {@code null}
 */
public record ClusterStatus(String nodeId, boolean available, int nodes, long clusterConnections,
		long publishFailures, @Nullable String lastError) {
}
