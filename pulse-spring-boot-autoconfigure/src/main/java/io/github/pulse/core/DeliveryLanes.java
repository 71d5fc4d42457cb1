package io.github.pulse.core;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Starts the writes of a large broadcast's recipients on a few threads of their own, so that the thread that
 * broadcasts (the application's, or the cluster inbox's, which delivers every broadcast of the cluster on this
 * node) only queues the frame for each member and does no socket I/O.
 * <p>
 * The frame is in every member's send buffer, numbered, before the broadcast returns: order, sequence numbers,
 * resume and hand-over are decided there, as without lanes. A lane only calls the member's writer, which writes
 * whatever is pending (one write in flight per connection, see {@link SessionWriter}); a member is in at most one
 * lane's queue at a time, always the same lane, so a lane's queue holds at most one entry per connection.
 */
final class DeliveryLanes {

	private static final Log logger = LogFactory.getLog(DeliveryLanes.class);

	private final Lane[] lanes;

	private final int minRecipients;

	/**
	 * Creates the lanes and starts their threads.
	 * @param threads how many lanes (threads)
	 * @param minRecipients the room size from which a broadcast's writes are started on the lanes
	 */
	DeliveryLanes(int threads, int minRecipients) {
		this.minRecipients = minRecipients;
		this.lanes = new Lane[threads];
		for (int i = 0; i < threads; i++) {
			this.lanes[i] = new Lane("pulse-delivery-" + (i + 1));
		}
	}

	/**
	 * Whether a broadcast to this many members starts their writes on the lanes.
	 * @param members the room's members on this node
	 * @return {@code true} to use the lanes
	 */
	boolean carries(int members) {
		return members >= this.minRecipients;
	}

	/**
	 * Starts the session's writer on its lane, unless it is queued there already.
	 * @param session a session whose writer was idle when a frame was queued
	 */
	void start(PulseSession session) {
		if (session.laneQueued.compareAndSet(false, true)) {
			this.lanes[Math.floorMod(session.id().hashCode(), this.lanes.length)].queue.add(session);
		}
	}

	/**
	 * Stops the lanes' threads once their queues are empty (at most {@code timeoutMillis}).
	 * @param timeoutMillis how long to wait
	 */
	void stop(long timeoutMillis) {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
		for (Lane lane : this.lanes) {
			lane.running = false;
		}
		for (Lane lane : this.lanes) {
			try {
				lane.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/**
	 * Number of lanes.
	 * @return the count
	 */
	int size() {
		return this.lanes.length;
	}

	private static final class Lane implements Runnable {

		final LinkedBlockingQueue<PulseSession> queue = new LinkedBlockingQueue<>();

		final Thread thread;

		volatile boolean running = true;

		Lane(String name) {
			this.thread = new Thread(this, name);
			this.thread.setDaemon(true);
			this.thread.start();
		}

		@Override
		public void run() {
			while (this.running || !this.queue.isEmpty()) {
				@Nullable PulseSession session;
				try {
					session = this.queue.poll(100, TimeUnit.MILLISECONDS);
				}
				catch (InterruptedException ex) {
					return;
				}
				if (session == null) {
					continue;
				}
				// cleared first: a frame queued from now on while the writer is idle queues the session again
				session.laneQueued.set(false);
				try {
					session.writer.drain();
				}
				catch (RuntimeException ex) {
					logger.error("pulse: starting the write of " + session.id() + " failed", ex);
				}
			}
		}

	}

}
