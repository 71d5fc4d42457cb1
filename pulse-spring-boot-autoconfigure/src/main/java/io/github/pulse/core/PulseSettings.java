package io.github.pulse.core;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Effective engine settings, validated by the auto-configuration before they get here.
 *
 * @param heartbeatInterval time between server pings
 * @param heartbeatTimeout time a ping may wait for a pong (or any inbound frame)
 * @param writeTimeout time a single write may take before the transport is considered dead
 * @param idleTimeout time without an inbound application message before the connection is closed, or
 * {@code null} for no limit
 * @param shutdownTimeout time shutdown waits for queued frames to be flushed
 * @param sendBufferFrames maximum queued, unwritten message frames per connection
 * @param sendBufferBytes maximum queued, unwritten message bytes per connection
 * @param overflowPolicy what a broadcast does with a full send buffer
 * @param resumeWindow how long a suspended session waits for a resume; zero disables resume
 * @param resumeBufferFrames maximum unacknowledged message frames kept for replay
 * @param resumeBufferBytes maximum unacknowledged message bytes kept for replay
 * @param maxConnections maximum live connections, or {@code -1} for no limit
 */
public record PulseSettings(Duration heartbeatInterval, Duration heartbeatTimeout, Duration writeTimeout,
		@Nullable Duration idleTimeout, Duration shutdownTimeout, int sendBufferFrames, long sendBufferBytes,
		OverflowPolicy overflowPolicy, Duration resumeWindow, int resumeBufferFrames, long resumeBufferBytes,
		int maxConnections) {

	/**
	 * Whether suspended sessions can be resumed.
	 * @return {@code true} if the resume window is positive
	 */
	public boolean resumeEnabled() {
		return !this.resumeWindow.isZero() && !this.resumeWindow.isNegative();
	}

	/**
	 * Defaults, as documented for the {@code pulse.*} properties.
	 * @return the default settings
	 */
	public static PulseSettings defaults() {
		return new PulseSettings(Duration.ofSeconds(25), Duration.ofSeconds(20), Duration.ofSeconds(10), null,
				Duration.ofSeconds(10), 256, 1024 * 1024, OverflowPolicy.DROP_OLDEST, Duration.ofSeconds(30), 1024,
				4 * 1024 * 1024, -1);
	}

}
