package io.github.pulse.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseCloseStatus;
import org.jspecify.annotations.Nullable;

/**
 * Writes one session's frames: at most one write in flight, started by whichever thread finds the writer idle and
 * continued by the completion callback. Frames waiting together are written one by one into the transport's output
 * and flushed once (a busy connection costs one socket write for many frames); a message found alone is written and
 * flushed in one operation. A close frame goes after every frame queued before it: the session is then in the
 * engine's flushing set until the close is handed to the transport, the transport fails or closes, or the write in
 * flight outlives the write timeout. State guarded by the session's lock; no I/O under it.
 */
final class SessionWriter {

	private final PulseSession session;

	// ---- guarded by session.lock

	/** A write is in flight on the current transport. */
	boolean writing;

	/** Frames are in the transport's output buffer, not yet flushed. */
	private boolean unflushed;

	long writeStartedNanos;

	/** The session ended with a close frame that is not yet handed to the transport. */
	boolean closing;

	private long closingSinceNanos;

	SessionWriter(PulseSession session) {
		this.session = session;
	}

	/**
	 * Forgets the write in flight: the transport it was on is gone. Under the session's lock.
	 */
	void reset() {
		this.writing = false;
		this.unflushed = false;
	}

	/**
	 * The session ended with a close frame: it is queued after what is pending. Under the session's lock.
	 * @return whether the caller must start the writer
	 */
	boolean queueClose(PulseCloseStatus status, long nowNanos) {
		this.closing = true;
		this.closingSinceNanos = nowNanos;
		this.session.buffer.addControl(new OutFrame.Close(status));
		return !this.writing;
	}

	/**
	 * The transport of a closing session is gone (failed, closed by the peer, or timed out): the close is over.
	 * Under the session's lock.
	 * @return whether the session was closing
	 */
	boolean closeAbandoned() {
		boolean was = this.closing;
		this.closing = false;
		this.writing = false;
		this.session.transport = null;
		this.session.buffer.clear();
		return was;
	}

	/**
	 * The timer's check of a closing session: the write in flight before the close frame outlived the write timeout,
	 * or (defensively) the close was never handed over within it. Under the session's lock.
	 * @return what to do after the lock is released, or {@code null}
	 */
	@Nullable Runnable closeCheck(long nowNanos, long writeTimeoutNanos) {
		Transport target = this.session.transport;
		boolean stalled = this.writing && nowNanos - this.writeStartedNanos >= writeTimeoutNanos;
		boolean overdue = !this.writing && nowNanos - this.closingSinceNanos >= writeTimeoutNanos;
		if (target == null || stalled || overdue) {
			closeAbandoned();
			SessionManager manager = this.session.manager;
			// the peer is not reading: a close frame would not reach it
			return () -> manager.closeAbandoned(this.session, target);
		}
		return null;
	}

	/**
	 * Writes pending frames until the queue is empty or a write completes asynchronously.
	 */
	void drain() {
		PulseSession s = this.session;
		while (true) {
			OutFrame frame;
			Transport target;
			boolean alone = false;
			synchronized (s.lock) {
				target = s.transport;
				if (this.writing || target == null || (s.state == ConnectionState.CLOSED && !this.closing)
						|| (s.writeHolds > 0 && !this.closing)) {
					// held: the release drains (see PulseSession#holdWrites)
					return;
				}
				OutFrame next = s.buffer.peek();
				if (this.unflushed && (next == null || next instanceof OutFrame.Close)) {
					frame = OutFrame.Flush.INSTANCE;
					this.unflushed = false;
				}
				else if (next == null) {
					return;
				}
				else {
					frame = s.buffer.poll();
					if (frame instanceof OutFrame.Close) {
						// handed to the transport now: the session leaves the flushing set
						this.closing = false;
						s.transport = null;
					}
					else {
						// a message with nothing before or after it in the buffer is written at once, not gathered
						alone = !this.unflushed && frame instanceof OutFrame.Message && s.buffer.peek() == null;
						this.unflushed = !alone;
						this.writing = true;
						this.writeStartedNanos = s.manager.nanoTime();
					}
				}
				if (frame instanceof OutFrame.Flush) {
					this.writing = true;
					this.writeStartedNanos = s.manager.nanoTime();
				}
			}
			if (frame instanceof OutFrame.Close close) {
				s.manager.closingEnded(s);
				s.manager.closeTransport(target, close.status);
				return;
			}
			Write write = new Write(target, frame);
			if (frame instanceof OutFrame.Flush) {
				target.flush(write);
			}
			else if (frame instanceof OutFrame.Ping) {
				target.ping(s.manager.pingPayload(), write);
			}
			else if (alone) {
				target.writeAndFlush((Transport.Frame) frame, write);
			}
			else {
				target.write((Transport.Frame) frame, write);
			}
			if (write.state.compareAndSet(Write.STARTED, Write.RETURNED)) {
				return;
			}
			if (!afterWrite(target, frame, write.failure)) {
				return;
			}
		}
	}

	/**
	 * Bookkeeping after a write; returns whether the writer may go on.
	 */
	private boolean afterWrite(Transport frameTarget, OutFrame frame, @Nullable Throwable failure) {
		PulseSession s = this.session;
		Transport target = frameTarget;
		boolean abandonedClose = false;
		synchronized (s.lock) {
			if (s.transport == target) {
				this.writing = false;
				if (failure != null && s.state == ConnectionState.CLOSED) {
					// the write before the close frame failed: the close is over, nothing else may keep the session
					abandonedClose = closeAbandoned();
				}
			}
			else {
				target = null;
			}
		}
		if (target == null) {
			// the session moved on (resumed on another transport, suspended): a close owed to this one can go now
			s.manager.staleWriteDone(frameTarget, failure);
			return false;
		}
		if (failure != null) {
			s.manager.logWriteFailure(s, failure);
			if (abandonedClose) {
				s.manager.closeAbandoned(s, target);
			}
			else {
				s.manager.states().suspend(s, target, DisconnectReason.TRANSPORT_ERROR, null);
			}
			return false;
		}
		if (frame instanceof OutFrame.Message message) {
			s.manager.messageSent(message);
		}
		return true;
	}

	/**
	 * Completion of one write. If it completes before the transport method returns, the writing thread goes on with
	 * the next frame (no recursion); otherwise this callback does.
	 */
	private final class Write implements Consumer<@Nullable Throwable> {

		static final int STARTED = 0;

		static final int RETURNED = 1;

		static final int COMPLETED = 2;

		final AtomicInteger state = new AtomicInteger(STARTED);

		final Transport target;

		final OutFrame frame;

		@Nullable Throwable failure;

		Write(Transport target, OutFrame frame) {
			this.target = target;
			this.frame = frame;
		}

		@Override
		public void accept(@Nullable Throwable failure) {
			this.failure = failure;
			if (this.state.compareAndSet(STARTED, COMPLETED)) {
				return;
			}
			if (afterWrite(this.target, this.frame, failure)) {
				drain();
			}
		}

	}

}
