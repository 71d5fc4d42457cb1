package io.github.pulse.cluster;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.github.pulse.PulseConnection;
import io.github.pulse.core.SessionManager;

/**
 * Holds a session's writes while a pipelined write it depends on is on its way to Redis (a new token, a membership
 * change, a counted direct send): no caller waits for Redis, and the client gets nothing Redis could not account
 * for in a resume on another node. A hold ends when the write's batch went through or failed, or after the local
 * delivery timeout if Redis is slow: then the session is served as its broadcasts are (see docs/scaling.md).
 */
final class WriteHolds {

	private final SessionManager manager;

	private final long timeoutNanos;

	/** Oldest first: every hold has the same timeout. */
	private final ConcurrentLinkedQueue<Hold> holds = new ConcurrentLinkedQueue<>();

	private final AtomicLong timedOut = new AtomicLong();

	WriteHolds(SessionManager manager, long timeoutMillis) {
		this.manager = manager;
		this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
	}

	/**
	 * Holds a session's writes.
	 * @param session a session of this node
	 * @return releases the hold, once (later calls, and the timeout's, do nothing); quick, from any thread
	 */
	Runnable hold(PulseConnection session) {
		Hold hold = new Hold(this.manager.holdWrites(session), System.nanoTime());
		this.holds.add(hold);
		return hold::release;
	}

	/** Releases the holds older than the local delivery timeout (the watchdog, periodically). */
	void releaseOverdue() {
		long now = System.nanoTime();
		Hold oldest;
		while ((oldest = this.holds.peek()) != null
				&& (oldest.released.get() || now - oldest.sinceNanos >= this.timeoutNanos)) {
			this.holds.poll();
			if (oldest.release()) {
				this.timedOut.incrementAndGet();
			}
		}
	}

	/**
	 * Holds that ended by the timeout rather than by Redis.
	 * @return the count since start
	 */
	long timedOut() {
		return this.timedOut.get();
	}

	private static final class Hold {

		final Runnable release;

		final long sinceNanos;

		final AtomicBoolean released = new AtomicBoolean();

		Hold(Runnable release, long sinceNanos) {
			this.release = release;
			this.sinceNanos = sinceNanos;
		}

		/** Whether this call released it. */
		boolean release() {
			if (!this.released.compareAndSet(false, true)) {
				return false;
			}
			this.release.run();
			return true;
		}

	}

}
