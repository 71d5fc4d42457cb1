package io.github.pulse.core;

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
 * <p>
 * Acknowledgements are paced by {@link PulseSettings#clientAckMessages()} (one goes at once after that many) and
 * {@link PulseSettings#clientAckInterval()} (one owed for that long goes on the engine's acknowledgement pass, which
 * looks only at the sessions that owe one: see {@link #listIfOwed()}).
 */
final class ClientSequence {

	/** The last processed number is unknown: the session was handed over by another node. */
	static final long UNKNOWN = -1;

	/** {@link #acknowledgementDue}: owed, not due yet (or a handler is running); keep the session listed. */
	static final long KEEP = -1;

	/** {@link #acknowledgementDue}: nothing owed any more; the session leaves the list. */
	static final long DONE = -2;

	final ReentrantLock order = new ReentrantLock();

	private final int ackMessages;

	private final long ackIntervalNanos;

	/** Written under {@link #order}; read by the resume path for {@code resumed}. */
	private volatile long lastProcessed;

	// ---- guarded by order

	private long lastAcknowledged;

	private long owedSinceNanos;

	private boolean owed;

	/** On the engine's list of sessions that owe an acknowledgement. */
	private boolean listed;

	ClientSequence(long lastProcessed, PulseSettings settings) {
		this.lastProcessed = lastProcessed;
		this.ackMessages = settings.clientAckMessages();
		this.ackIntervalNanos = settings.clientAckInterval().toNanos();
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
		if (last - this.lastAcknowledged >= this.ackMessages) {
			return acknowledge(last);
		}
		if (!this.owed) {
			this.owed = true;
			this.owedSinceNanos = nowNanos;
		}
		return -1;
	}

	/**
	 * Whether the session must be put on the engine's list of sessions that owe an acknowledgement: one is owed
	 * and it is not listed yet. Callers hold {@link #order}; a {@code true} answer marks it listed.
	 */
	boolean listIfOwed() {
		if (!this.owed || this.listed) {
			return false;
		}
		this.listed = true;
		return true;
	}

	/**
	 * The acknowledgement pass's check of a listed session: an acknowledgement owed for long enough goes now.
	 * Skipped while a handler runs (it acknowledges when it is done, or the next pass does).
	 * @return the number to acknowledge (the session leaves the list), {@link #KEEP} or {@link #DONE}
	 */
	long acknowledgementDue(long nowNanos) {
		if (!this.order.tryLock()) {
			return KEEP;
		}
		try {
			if (!this.owed) {
				this.listed = false;
				return DONE;
			}
			if (nowNanos - this.owedSinceNanos < this.ackIntervalNanos) {
				return KEEP;
			}
			this.listed = false;
			return acknowledge(this.lastProcessed);
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
