package io.github.pulse.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Client-to-server exactly once for one session: the last client sequence number ({@code cseq}) whose message was
 * handed to the listeners, which is all the server keeps to drop duplicates, and when it owes the client an
 * acknowledgement of it. A client re-sends what {@code resumed} says the server has not processed; a number at or
 * below the last is a duplicate, one that skips ahead breaks the protocol.
 * <p>
 * Messages with a number are handled one at a time, in order, under {@link #order}: a message still being handled
 * on a transport that died holds back the re-sent ones that follow it on the new transport, so handlers see the
 * client's order even across a resume.
 */
final class ClientSequence {

	/** Acknowledge at the latest after this many processed messages. */
	static final int ACK_EVERY = 16;

	/** Acknowledge at the latest this long after an unacknowledged message (plus one timer tick). */
	static final long ACK_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	/** The last processed number is unknown: the session was handed over by another node. */
	static final long UNKNOWN = -1;

	final ReentrantLock order = new ReentrantLock();

	/** Written under {@link #order}; read by the resume path for {@code resumed}. */
	private volatile long lastProcessed;

	// ---- guarded by order

	private long lastAcknowledged;

	private long owedSinceNanos;

	private boolean owed;

	ClientSequence(long lastProcessed) {
		this.lastProcessed = lastProcessed;
	}

	/** What to do with a message. */
	enum Verdict {

		/** The next message: hand it to the listeners. */
		PROCESS,

		/** Processed before: drop it (and acknowledge again). */
		DUPLICATE,

		/** Skips numbers the client never sent: a protocol error. */
		GAP

	}

	/**
	 * Takes over the number a session handed over by another node had processed there; before the session is
	 * attached to a transport.
	 * @param processed the number, or {@link #UNKNOWN}
	 */
	void adopt(long processed) {
		this.order.lock();
		try {
			this.lastProcessed = (processed >= 0) ? processed : UNKNOWN;
			this.lastAcknowledged = Math.max(processed, 0);
		}
		finally {
			this.order.unlock();
		}
	}

	/**
	 * Judges a message's number and, if it is the next, records it as processed. Callers hold {@link #order}.
	 */
	Verdict accept(long cseq) {
		long last = this.lastProcessed;
		if (last != UNKNOWN && cseq <= last) {
			return Verdict.DUPLICATE;
		}
		if (last != UNKNOWN && cseq != last + 1) {
			return Verdict.GAP;
		}
		// after a hand-over between nodes the first number the client sends is taken as it is
		this.lastProcessed = cseq;
		return Verdict.PROCESS;
	}

	/**
	 * A message was processed or dropped as a duplicate; callers hold {@link #order}.
	 * @return the number to acknowledge now, or {@code -1} to wait for more or for the timer
	 */
	long processed(long nowNanos) {
		long last = this.lastProcessed;
		if (last - this.lastAcknowledged >= ACK_EVERY) {
			return acknowledge(last);
		}
		if (!this.owed) {
			this.owed = true;
			this.owedSinceNanos = nowNanos;
		}
		return -1;
	}

	/**
	 * The timer's check: an acknowledgement owed for long enough goes now. Skipped while a handler runs.
	 * @return the number to acknowledge, or {@code -1}
	 */
	long acknowledgementDue(long nowNanos) {
		if (!this.owed || !this.order.tryLock()) {
			return -1;
		}
		try {
			return (this.owed && nowNanos - this.owedSinceNanos >= ACK_DELAY_NANOS) ? acknowledge(this.lastProcessed)
					: -1;
		}
		finally {
			this.order.unlock();
		}
	}

	private long acknowledge(long last) {
		this.owed = false;
		this.lastAcknowledged = last;
		return last;
	}

	/**
	 * The last number processed, for {@code resumed}.
	 * @return the number, 0 before the first, {@link #UNKNOWN} after a hand-over until the client sends one
	 */
	long lastProcessed() {
		return this.lastProcessed;
	}

	static String ackFrame(long cseq) {
		return "{\"type\":\"ack\",\"cseq\":" + cseq + "}";
	}

}
