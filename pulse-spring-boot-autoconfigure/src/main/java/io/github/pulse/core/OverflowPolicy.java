package io.github.pulse.core;

/**
 * What a broadcast does when a member's send buffer is full. Direct sends never apply a policy: they fail with
 * {@link io.github.pulse.SendBufferFullException}.
 */
public enum OverflowPolicy {

	/** Drop the oldest queued message frames to make room; the client sees a gap in {@code seq}. */
	DROP_OLDEST,

	/** Drop the new frame for this member; no sequence number is used, so the client sees no gap. */
	DROP_NEWEST,

	/** Close the connection with 4002 "slow consumer" and end its session. */
	DISCONNECT

}
