package io.github.pulse.core;

import java.util.ArrayDeque;
import java.util.Iterator;

import org.jspecify.annotations.Nullable;

/**
 * Outbound frames of one session: the pending queue (not yet written) and, when resume is enabled, the written
 * frames the client has not acknowledged. Two sets of limits apply: the send buffer bounds what is pending on a live
 * transport; the resume buffer bounds everything retained for replay. Not thread-safe: guarded by the session's
 * lock.
 */
final class FrameBuffer {

	private static final int INITIAL_CAPACITY = 3;

	// small at first (an idle session holds at most its ping and the opening frame; the default capacity is 16):
	// they grow with a busy session and stay grown
	private final ArrayDeque<OutFrame> pending = new ArrayDeque<>(INITIAL_CAPACITY);

	private final ArrayDeque<OutFrame.Message> unacked = new ArrayDeque<>(INITIAL_CAPACITY);

	private final int sendFrames;

	private final long sendBytes;

	private final boolean retain;

	private final int retainFrames;

	private final long retainBytes;

	/** Message frames in {@link #pending}. */
	private int pendingMessages;

	private long pendingBytes;

	/** Message frames at the head of {@link #pending} that are a replay: never evicted by the send buffer. */
	private int replayMessages;

	private long replayBytes;

	private long unackedBytes;

	FrameBuffer(PulseSettings settings) {
		this.sendFrames = settings.sendBufferFrames();
		this.sendBytes = settings.sendBufferBytes();
		this.retain = settings.resumeEnabled();
		this.retainFrames = settings.resumeBufferFrames();
		this.retainBytes = settings.resumeBufferBytes();
	}

	/**
	 * Whether a message of the given size fits the send buffer of a live transport.
	 */
	boolean fitsSendBuffer(int bytes) {
		return this.pendingMessages - this.replayMessages < this.sendFrames
				&& this.pendingBytes - this.replayBytes + bytes <= this.sendBytes;
	}

	/**
	 * Whether this many more message frames of this total size fit in the send buffer.
	 */
	boolean fitsSendBuffer(int frames, long bytes) {
		return this.pendingMessages - this.replayMessages + frames <= this.sendFrames
				&& this.pendingBytes - this.replayBytes + bytes <= this.sendBytes;
	}

	/**
	 * Evicts the oldest pending live message frames until one of the given size fits.
	 * @return the number of frames evicted, or {@code -1} if the frame can never fit
	 */
	int evictForSendBuffer(int bytes) {
		if (bytes > this.sendBytes) {
			return -1;
		}
		int evicted = 0;
		int skip = this.replayMessages;
		Iterator<OutFrame> it = this.pending.iterator();
		while (!fitsSendBuffer(bytes) && it.hasNext()) {
			if (it.next() instanceof OutFrame.Message message) {
				if (skip > 0) {
					skip--;
					continue;
				}
				it.remove();
				this.pendingMessages--;
				this.pendingBytes -= message.bytes;
				evicted++;
			}
		}
		return evicted;
	}

	/**
	 * Queues a message frame and applies the resume buffer limits: the oldest written, unacknowledged frames go
	 * first; pending (unwritten) frames only with {@code mayEvictPending}. A live transport is promised its pending
	 * frames (a replay announced in {@code resumed}, or frames the send buffer admitted), so they are never evicted
	 * from under it: what is retained is then bounded by the resume buffer plus the send buffer.
	 * @param mayEvictPending whether nobody is promised the pending frames (the session is suspended, or not yet
	 * attached): what is evicted then is counted in the {@code missed} of the next resume
	 * @return the number of retained frames evicted to make room
	 */
	int addMessage(OutFrame.Message message, boolean mayEvictPending) {
		this.pending.addLast(message);
		this.pendingMessages++;
		this.pendingBytes += message.bytes;
		return this.retain ? trimRetained(mayEvictPending) : 0;
	}

	void addControl(OutFrame frame) {
		this.pending.addLast(frame);
	}

	void addControlFirst(OutFrame frame) {
		this.pending.addFirst(frame);
	}

	private int trimRetained(boolean mayEvictPending) {
		int evicted = 0;
		while (retainedFrames() > this.retainFrames || retainedBytes() > this.retainBytes) {
			OutFrame.Message oldest = this.unacked.pollFirst();
			if (oldest != null) {
				this.unackedBytes -= oldest.bytes;
			}
			else if (!mayEvictPending || !evictOldestPendingMessage()) {
				break;
			}
			evicted++;
		}
		return evicted;
	}

	private boolean evictOldestPendingMessage() {
		Iterator<OutFrame> it = this.pending.iterator();
		while (it.hasNext()) {
			if (it.next() instanceof OutFrame.Message message) {
				it.remove();
				this.pendingMessages--;
				this.pendingBytes -= message.bytes;
				if (this.replayMessages > 0) {
					this.replayMessages--;
					this.replayBytes -= message.bytes;
				}
				return true;
			}
		}
		return false;
	}

	/**
	 * The next frame to write, left in place.
	 */
	@Nullable OutFrame peek() {
		return this.pending.peekFirst();
	}

	/**
	 * Takes the next frame to write. Message frames move to the unacknowledged list when resume is enabled.
	 */
	@Nullable OutFrame poll() {
		OutFrame frame = this.pending.pollFirst();
		if (frame instanceof OutFrame.Message message) {
			this.pendingMessages--;
			this.pendingBytes -= message.bytes;
			if (this.replayMessages > 0) {
				this.replayMessages--;
				this.replayBytes -= message.bytes;
			}
			if (this.retain) {
				this.unacked.addLast(message);
				this.unackedBytes += message.bytes;
			}
		}
		return frame;
	}

	/**
	 * Releases the frames up to and including the given sequence number.
	 */
	void ack(long seq) {
		OutFrame.Message head;
		while ((head = this.unacked.peekFirst()) != null && head.seq <= seq) {
			this.unacked.pollFirst();
			this.unackedBytes -= head.bytes;
		}
	}

	/**
	 * Prepares a replay for a client that has received everything up to {@code lastSeq}: the pending queue becomes
	 * every retained message frame after it, in order, within the resume buffer limits (the oldest go first: nobody
	 * is promised them any more). Control frames queued for the old transport are dropped.
	 * @return the number of frames after {@code lastSeq} that were retained, replayed or evicted now; the replayed
	 * ones are {@link #pendingMessages()}
	 */
	int rewindTo(long lastSeq) {
		ArrayDeque<OutFrame.Message> replay = new ArrayDeque<>(this.unacked.size() + this.pendingMessages);
		for (OutFrame.Message message : this.unacked) {
			if (message.seq > lastSeq) {
				replay.addLast(message);
			}
		}
		for (OutFrame frame : this.pending) {
			if (frame instanceof OutFrame.Message message && message.seq > lastSeq) {
				replay.addLast(message);
			}
		}
		this.unacked.clear();
		this.unackedBytes = 0;
		this.pending.clear();
		this.pendingMessages = 0;
		this.pendingBytes = 0;
		for (OutFrame.Message message : replay) {
			this.pending.addLast(message);
			this.pendingMessages++;
			this.pendingBytes += message.bytes;
		}
		this.replayMessages = this.pendingMessages;
		this.replayBytes = this.pendingBytes;
		if (this.retain) {
			trimRetained(true);
		}
		return replay.size();
	}

	/**
	 * Every retained message frame, unacknowledged then pending, in sequence order.
	 */
	java.util.List<OutFrame.Message> messages() {
		java.util.List<OutFrame.Message> messages = new java.util.ArrayList<>(this.unacked);
		for (OutFrame frame : this.pending) {
			if (frame instanceof OutFrame.Message message) {
				messages.add(message);
			}
		}
		return messages;
	}

	boolean isEmpty() {
		return this.pending.isEmpty();
	}

	int pendingMessages() {
		return this.pendingMessages;
	}

	int retainedFrames() {
		return this.pendingMessages + this.unacked.size();
	}

	long retainedBytes() {
		return this.pendingBytes + this.unackedBytes;
	}

	/**
	 * Clears every frame but a transport's opening frame (welcome or resumed) not yet written: a session that ends
	 * without flushing still tells its client which session ended before the close frame.
	 */
	void clearAllButOpening() {
		OutFrame head = this.pending.peekFirst();
		clear();
		if (head instanceof OutFrame.Control control && control.opening) {
			this.pending.addFirst(control);
		}
	}

	void clear() {
		this.pending.clear();
		this.unacked.clear();
		this.pendingMessages = 0;
		this.pendingBytes = 0;
		this.replayMessages = 0;
		this.replayBytes = 0;
		this.unackedBytes = 0;
	}

}
