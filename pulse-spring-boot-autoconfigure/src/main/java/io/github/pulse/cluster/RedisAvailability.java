package io.github.pulse.cluster;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Whether this node reaches Redis, as the last operation found: every part of the cluster reports its failures
 * here, and the heartbeat reports success.
 */
final class RedisAvailability {

	private static final Log logger = LogFactory.getLog(RedisAvailability.class);

	private final String nodeId;

	private volatile boolean available;

	private volatile @Nullable String lastError;

	/** When it became unavailable ({@link System#nanoTime()}), while it is. */
	private volatile long unavailableSince;

	RedisAvailability(String nodeId) {
		this.nodeId = nodeId;
	}

	boolean available() {
		return this.available;
	}

	/**
	 * The last failure while Redis is unavailable.
	 * @return the failure, or {@code null} while it is available
	 */
	@Nullable String lastError() {
		return this.available ? null : this.lastError;
	}

	/**
	 * An operation failed: cross-node features are off until the next heartbeat reaches Redis.
	 * @param ex the failure
	 */
	void failed(Exception ex) {
		this.lastError = ex.getClass().getSimpleName() + ": " + ex.getMessage();
		if (this.available) {
			logger.warn("pulse cluster: node " + this.nodeId + " lost Redis (" + this.lastError
					+ "); serving local connections only until it is back");
		}
		if (this.available) {
			this.unavailableSince = System.nanoTime();
		}
		this.available = false;
	}

	/**
	 * How long Redis has been unavailable.
	 * @return nanoseconds since the first failure of this outage, 0 while it is available
	 */
	long unavailableNanos() {
		return this.available ? 0 : System.nanoTime() - this.unavailableSince;
	}

	/**
	 * A heartbeat reached Redis.
	 * @param nodes the live nodes it counted
	 * @param connections their connections
	 */
	void reached(int nodes, long connections) {
		if (!this.available) {
			logger.info("pulse cluster: node " + this.nodeId + " reached Redis; cross-node features are back ("
					+ nodes + " nodes, " + connections + " connections)");
		}
		this.available = true;
		this.lastError = null;
	}

	/** Assumed at start, before the first heartbeat. */
	void assumeAvailable() {
		this.available = true;
	}

}
