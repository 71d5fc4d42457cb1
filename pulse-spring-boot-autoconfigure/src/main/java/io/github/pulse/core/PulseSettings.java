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
 * @param inboundRate inbound messages per second a connection may send on average; zero for no limit
 * @param inboundBurst inbound messages a connection may send at once, the size of its token bucket
 * @param resumeMaxFailuresPerMinute failed resume attempts per remote address and minute after which its resumes
 * are refused; zero for no limit
 * @param clientAckMessages numbered client messages processed after which the server acknowledges them at once
 * @param clientAckInterval longest the server waits to acknowledge a numbered client message it processed
 */
public record PulseSettings(Duration heartbeatInterval, Duration heartbeatTimeout, Duration writeTimeout,
		@Nullable Duration idleTimeout, Duration shutdownTimeout, int sendBufferFrames, long sendBufferBytes,
		OverflowPolicy overflowPolicy, Duration resumeWindow, int resumeBufferFrames, long resumeBufferBytes,
		int maxConnections, double inboundRate, int inboundBurst, int resumeMaxFailuresPerMinute,
		int clientAckMessages, Duration clientAckInterval) {

	/** Default of {@link #resumeMaxFailuresPerMinute()}. */
	public static final int DEFAULT_RESUME_MAX_FAILURES_PER_MINUTE = 30;

	/** Default of {@link #clientAckMessages()}. */
	public static final int DEFAULT_CLIENT_ACK_MESSAGES = 16;

	/** Default of {@link #clientAckInterval()}. */
	public static final Duration DEFAULT_CLIENT_ACK_INTERVAL = Duration.ofMillis(100);

	/**
	 * Settings with the default pacing of client message acknowledgements.
	 * @param heartbeatInterval time between server pings
	 * @param heartbeatTimeout time a ping may wait for a pong
	 * @param writeTimeout time a single write may take
	 * @param idleTimeout idle timeout or {@code null}
	 * @param shutdownTimeout time shutdown waits for queued frames
	 * @param sendBufferFrames maximum queued message frames
	 * @param sendBufferBytes maximum queued message bytes
	 * @param overflowPolicy what a broadcast does with a full send buffer
	 * @param resumeWindow resume window, zero to disable
	 * @param resumeBufferFrames maximum frames kept for replay
	 * @param resumeBufferBytes maximum bytes kept for replay
	 * @param maxConnections maximum live connections or {@code -1}
	 * @param inboundRate inbound messages per second, zero for no limit
	 * @param inboundBurst inbound messages at once
	 * @param resumeMaxFailuresPerMinute failed resumes per address and minute, zero for no limit
	 */
	public PulseSettings(Duration heartbeatInterval, Duration heartbeatTimeout, Duration writeTimeout,
			@Nullable Duration idleTimeout, Duration shutdownTimeout, int sendBufferFrames, long sendBufferBytes,
			OverflowPolicy overflowPolicy, Duration resumeWindow, int resumeBufferFrames, long resumeBufferBytes,
			int maxConnections, double inboundRate, int inboundBurst, int resumeMaxFailuresPerMinute) {
		this(heartbeatInterval, heartbeatTimeout, writeTimeout, idleTimeout, shutdownTimeout, sendBufferFrames,
				sendBufferBytes, overflowPolicy, resumeWindow, resumeBufferFrames, resumeBufferBytes, maxConnections,
				inboundRate, inboundBurst, resumeMaxFailuresPerMinute, DEFAULT_CLIENT_ACK_MESSAGES,
				DEFAULT_CLIENT_ACK_INTERVAL);
	}

	/**
	 * Settings without inbound rate limit and with the default resume failure limit.
	 * @param heartbeatInterval time between server pings
	 * @param heartbeatTimeout time a ping may wait for a pong
	 * @param writeTimeout time a single write may take
	 * @param idleTimeout idle timeout or {@code null}
	 * @param shutdownTimeout time shutdown waits for queued frames
	 * @param sendBufferFrames maximum queued message frames
	 * @param sendBufferBytes maximum queued message bytes
	 * @param overflowPolicy what a broadcast does with a full send buffer
	 * @param resumeWindow resume window, zero to disable
	 * @param resumeBufferFrames maximum frames kept for replay
	 * @param resumeBufferBytes maximum bytes kept for replay
	 * @param maxConnections maximum live connections or {@code -1}
	 */
	public PulseSettings(Duration heartbeatInterval, Duration heartbeatTimeout, Duration writeTimeout,
			@Nullable Duration idleTimeout, Duration shutdownTimeout, int sendBufferFrames, long sendBufferBytes,
			OverflowPolicy overflowPolicy, Duration resumeWindow, int resumeBufferFrames, long resumeBufferBytes,
			int maxConnections) {
		this(heartbeatInterval, heartbeatTimeout, writeTimeout, idleTimeout, shutdownTimeout, sendBufferFrames,
				sendBufferBytes, overflowPolicy, resumeWindow, resumeBufferFrames, resumeBufferBytes, maxConnections, 0,
				0, DEFAULT_RESUME_MAX_FAILURES_PER_MINUTE);
	}

	/**
	 * Whether inbound messages are rate-limited.
	 * @return {@code true} if the inbound rate is positive
	 */
	public boolean inboundRateLimited() {
		return this.inboundRate > 0;
	}

	/**
	 * These settings with an inbound rate limit.
	 * @param perSecond messages per second, zero for no limit
	 * @param burst messages at once
	 * @return the new settings
	 */
	public PulseSettings withInboundRate(double perSecond, int burst) {
		return new PulseSettings(this.heartbeatInterval, this.heartbeatTimeout, this.writeTimeout, this.idleTimeout,
				this.shutdownTimeout, this.sendBufferFrames, this.sendBufferBytes, this.overflowPolicy,
				this.resumeWindow, this.resumeBufferFrames, this.resumeBufferBytes, this.maxConnections, perSecond, burst,
				this.resumeMaxFailuresPerMinute, this.clientAckMessages, this.clientAckInterval);
	}

	/**
	 * These settings with another resume failure limit.
	 * @param maxFailuresPerMinute failed resumes per address and minute, zero for no limit
	 * @return the new settings
	 */
	public PulseSettings withResumeMaxFailuresPerMinute(int maxFailuresPerMinute) {
		return new PulseSettings(this.heartbeatInterval, this.heartbeatTimeout, this.writeTimeout, this.idleTimeout,
				this.shutdownTimeout, this.sendBufferFrames, this.sendBufferBytes, this.overflowPolicy,
				this.resumeWindow, this.resumeBufferFrames, this.resumeBufferBytes, this.maxConnections,
				this.inboundRate, this.inboundBurst, maxFailuresPerMinute, this.clientAckMessages,
				this.clientAckInterval);
	}

	/**
	 * These settings with another pacing of client message acknowledgements.
	 * @param messages numbered client messages processed after which they are acknowledged at once, at least 1
	 * @param interval longest wait before a processed message is acknowledged, positive
	 * @return the new settings
	 */
	public PulseSettings withClientAcks(int messages, Duration interval) {
		return new PulseSettings(this.heartbeatInterval, this.heartbeatTimeout, this.writeTimeout, this.idleTimeout,
				this.shutdownTimeout, this.sendBufferFrames, this.sendBufferBytes, this.overflowPolicy,
				this.resumeWindow, this.resumeBufferFrames, this.resumeBufferBytes, this.maxConnections,
				this.inboundRate, this.inboundBurst, this.resumeMaxFailuresPerMinute, messages, interval);
	}

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
