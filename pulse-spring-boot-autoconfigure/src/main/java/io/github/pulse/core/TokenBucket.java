package io.github.pulse.core;

/**
 * Inbound message allowance of one session: a token bucket that refills at the configured rate up to the burst.
 * Created on a session's first inbound message when {@code pulse.inbound.rate} is set, so idle connections carry
 * none. A session reads from one transport at a time, but a resume may overlap the old transport's last read, so
 * {@link #tryTake} is synchronized; it is uncontended in practice.
 */
final class TokenBucket {

	private final double tokensPerNano;

	private final double capacity;

	private double tokens;

	private long refilledNanos;

	TokenBucket(double perSecond, int burst, long nowNanos) {
		this.tokensPerNano = perSecond / 1_000_000_000d;
		this.capacity = burst;
		this.tokens = burst;
		this.refilledNanos = nowNanos;
	}

	/**
	 * Takes one token.
	 * @return {@code false} if the bucket is empty: the message exceeds the rate
	 */
	synchronized boolean tryTake(long nowNanos) {
		long elapsed = nowNanos - this.refilledNanos;
		if (elapsed > 0) {
			this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.tokensPerNano);
			this.refilledNanos = nowNanos;
		}
		if (this.tokens < 1) {
			return false;
		}
		this.tokens -= 1;
		return true;
	}

}
