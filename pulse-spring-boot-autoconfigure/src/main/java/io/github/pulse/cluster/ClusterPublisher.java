package io.github.pulse.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.DefaultStringRedisConnection;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The node's one way to Redis for writes: a bounded queue, sent by one thread in pipelined batches, in order, so
 * that no caller waits for Redis. Broadcasts are never lost by a Redis fault:
 * <ul>
 * <li>Each carries this node's sequence number, and broadcast.lua records the last one numbered in
 * {@code <prefix>pub:<node>}. After a failed batch (connection killed, Redis restarted or slow past the command
 * timeout) the broadcasts are held; once Redis answers again, those the record shows were numbered are dropped
 * and the rest sent again: each is numbered exactly once.</li>
 * <li>A broadcast of this node reaches its own members when it comes back from Redis, in the cluster's order; if
 * it has not come back within the local delivery timeout (Redis slow or away), it is delivered directly, once:
 * whichever comes first claims it.</li>
 * <li>A Redis that lost its data (restarted empty) also lost the broadcasts numbered just before, which some node's
 * subscription may not have received yet (and their streams). Each broadcast names the epoch this node last saw,
 * and broadcast.lua numbers none in another epoch; so when the epoch changes (seen by a refused broadcast, by the
 * inbox, or by the check after an outage and every second), this node first sends again its broadcasts numbered
 * within the resend window before the change, then the rest. The nodes skip the copies they delivered before by
 * publisher sequence number ({@link BroadcastSequence#repeated}), so each member gets each broadcast once, in this
 * node's order.</li>
 * </ul>
 * Other operations (directory writes, commands to other nodes) in a failed batch are dropped and counted, as they
 * are idempotent refreshes or fail the same way a lookup would.
 */
final class ClusterPublisher {

	private static final Log logger = LogFactory.getLog(ClusterPublisher.class);

	private static final int BATCH = 512;

	/** What the publisher needs of its bridge. */
	interface Host {

		boolean available();

		void unavailable(Exception ex);

		/**
		 * The lock this node's broadcasts hold shared from numbering to queueing, and a live hand-over exclusively
		 * (see {@link LiveHandover#broadcastLock()}): a direct delivery claims a broadcast and delivers it holding
		 * it, so that a hand-over never sees a broadcast claimed that has not reached the members yet.
		 * @return the shared lock
		 */
		Lock broadcastLock();

		/**
		 * Delivers a broadcast of this node to its members directly, outside the cluster's order; called holding
		 * {@link #broadcastLock()}.
		 * @param broadcast the broadcast
		 */
		void deliverLocally(Broadcast broadcast);

		/**
		 * Broadcasts a room's stream keeps: more for a room with history.
		 * @param room the room
		 * @param retention what every room's stream keeps
		 * @return the room's
		 */
		default int streamRetention(String room, int retention) {
			return retention;
		}

		/**
		 * How long a room's stream and numbering outlive its last broadcast: longer for a room with history.
		 * @param room the room
		 * @param ttlMillis what every room's get
		 * @return the room's, in milliseconds
		 */
		default long streamTtlMillis(String room, long ttlMillis) {
			return ttlMillis;
		}

	}

	/** A queued operation. */
	sealed interface Op {
	}

	/**
	 * Any operation but a broadcast.
	 * @param action what to send
	 * @param done told, on the publisher thread, whether the batch holding it went through ({@code true}) or was
	 * dropped; {@code null} if nobody waits for it
	 */
	record Command(Consumer<StringRedisConnection> action, @Nullable Consumer<Boolean> done) implements Op {

		void done(boolean sent) {
			if (this.done != null) {
				this.done.accept(sent);
			}
		}

	}

	/** A broadcast of this node, until its local delivery is claimed. */
	static final class Broadcast implements Op {

		final long seq;

		final String room;

		final String body;

		final long queuedNanos;

		private final AtomicBoolean claimed = new AtomicBoolean();

		Broadcast(long seq, String room, String body, long queuedNanos) {
			this.seq = seq;
			this.room = room;
			this.body = body;
			this.queuedNanos = queuedNanos;
		}

		/**
		 * Claims the local delivery: {@code true} exactly once.
		 */
		boolean claim() {
			return this.claimed.compareAndSet(false, true);
		}

	}

	private final StringRedisTemplate redis;

	private final ClusterKeys keys;

	private final String nodeId;

	private final String proposedEpoch;

	private final int streamRetention;

	private final long keyTtlMillis;

	private final long localDeliveryNanos;

	private final Host host;

	private final BlockingQueue<Op> queue;

	private final int capacity;

	/** Broadcasts of this node not yet back from Redis, by sequence number, in order. */
	private final ConcurrentNavigableMap<Long, Broadcast> inFlight = new ConcurrentSkipListMap<>();

	/** Held while a broadcast of this node is claimed and queued for its members, by any thread. */
	private final Lock deliveryLock;

	/** Broadcasts of a failed batch, oldest first, to send again once Redis answers; publisher thread only. */
	private final Deque<Broadcast> held = new ArrayDeque<>();

	/** Whether some held broadcasts may have been numbered before their batch failed; publisher thread only. */
	private boolean uncertain;

	/**
	 * Sequence number of this node's broadcasts. Starts from the clock so that a node restarted under the same id
	 * numbers above what it published before.
	 */
	private final AtomicLong sequence = new AtomicLong(System.currentTimeMillis() * 1_000_000L);

	private final AtomicLong failures = new AtomicLong();

	/** Makes each epoch proposal fresh: an epoch started after Redis lost its data must differ from every old one. */
	private final java.util.SplittableRandom epochs = new java.util.SplittableRandom();

	private final AtomicLong localDeliveries = new AtomicLong();

	/** How long a numbered broadcast is kept to send again if Redis loses its data. */
	private final long resendWindowNanos;

	/**
	 * This node's broadcasts Redis accepted in the current epoch within the resend window, by sequence number;
	 * publisher thread only.
	 */
	private final NavigableMap<Long, Broadcast> recent = new TreeMap<>();

	/** The epoch of the Redis data set this node last saw, {@code ""} before it saw one; publisher thread only. */
	private String epoch = "";

	/** Whether to read the epoch before the next batch: set by the inbox when it sees another epoch. */
	private volatile boolean epochCheckDue;

	/** When the epoch was read last, for the check every second; publisher thread only. */
	private long epochCheckedNanos;

	private final AtomicLong resentBroadcasts = new AtomicLong();

	private volatile boolean running;

	private @Nullable Thread thread;

	ClusterPublisher(StringRedisTemplate redis, ClusterKeys keys, String nodeId, String proposedEpoch,
			int streamRetention, long keyTtlMillis, long localDeliveryMillis, long resendWindowMillis, int capacity,
			Host host, Lock deliveryLock) {
		this.resendWindowNanos = TimeUnit.MILLISECONDS.toNanos(resendWindowMillis);
		this.deliveryLock = deliveryLock;
		this.redis = redis;
		this.keys = keys;
		this.nodeId = nodeId;
		this.proposedEpoch = proposedEpoch;
		this.streamRetention = streamRetention;
		this.keyTtlMillis = keyTtlMillis;
		this.localDeliveryNanos = TimeUnit.MILLISECONDS.toNanos(localDeliveryMillis);
		this.capacity = capacity;
		this.queue = new ArrayBlockingQueue<>(capacity);
		this.host = host;
	}

	/**
	 * Queues a broadcast of this node.
	 * @param room the room
	 * @param body the encoded frame body
	 * @return whether it was queued (if not, the caller delivers it locally: the other nodes never get it)
	 */
	boolean broadcast(String room, String body) {
		Broadcast broadcast = new Broadcast(this.sequence.incrementAndGet(), room, body, System.nanoTime());
		this.inFlight.put(broadcast.seq, broadcast);
		if (!this.running || !this.queue.offer(broadcast)) {
			this.inFlight.remove(broadcast.seq);
			this.failures.incrementAndGet();
			return false;
		}
		return true;
	}

	/**
	 * Queues any other operation.
	 * @param action what to send
	 * @return whether it was queued
	 */
	boolean offer(Consumer<StringRedisConnection> action) {
		return offer(action, null);
	}

	/**
	 * Queues any other operation, and says when its batch went through or was dropped: callers that must not go
	 * ahead of Redis wait for that, not for Redis.
	 * @param action what to send
	 * @param done told on the publisher thread, unless this returns {@code false}; must be quick
	 * @return whether it was queued
	 */
	boolean offer(Consumer<StringRedisConnection> action, @Nullable Consumer<Boolean> done) {
		if (!this.running || !this.queue.offer(new Command(action, done))) {
			this.failures.incrementAndGet();
			return false;
		}
		return true;
	}

	/**
	 * A broadcast of this node came back from Redis (on the channel or from a stream): whether the inbox delivers
	 * it here, that is whether it was not delivered directly already. Call holding the delivery lock.
	 * @param seq its sequence number
	 * @return {@code true} if the inbox delivers it
	 */
	boolean claimReturned(long seq) {
		Broadcast broadcast = this.inFlight.remove(seq);
		// unknown: published before this process started under the same node id
		return broadcast == null || broadcast.claim();
	}

	/**
	 * Delivers directly the broadcasts of this node that have not come back from Redis within the local delivery
	 * timeout (Redis slow or away); called periodically.
	 */
	void deliverOverdue() {
		long now = System.nanoTime();
		Broadcast last = null;
		for (Broadcast broadcast : this.inFlight.values()) {
			if (now - broadcast.queuedNanos < this.localDeliveryNanos) {
				break;
			}
			last = broadcast;
		}
		if (last != null) {
			deliverLocally(last);
		}
	}

	/**
	 * The inbox saw a broadcast or position of another epoch than before: the publisher reads the epoch before its
	 * next batch.
	 */
	void epochObserved() {
		this.epochCheckDue = true;
	}

	/**
	 * Broadcasts sent again because Redis lost its data after numbering them.
	 * @return the count
	 */
	long resentBroadcasts() {
		return this.resentBroadcasts.get();
	}

	/**
	 * The last of this node's broadcasts delivered to its members directly that has not come back from Redis.
	 * Direct deliveries claim in order, so every broadcast in flight up to it was delivered directly.
	 * @return its sequence number, or {@code -1}
	 */
	long lastDeliveredDirectly() {
		long last = -1;
		for (Broadcast broadcast : this.inFlight.values()) {
			if (!broadcast.claimed.get()) {
				break;
			}
			last = broadcast.seq;
		}
		return last;
	}

	long failures() {
		return this.failures.get();
	}

	long localDeliveries() {
		return this.localDeliveries.get();
	}

	void start() {
		this.running = true;
		Thread publisher = new Thread(this::run, "pulse-cluster-publisher");
		publisher.setDaemon(true);
		publisher.start();
		this.thread = publisher;
	}

	void stop(long timeoutMillis) {
		this.running = false;
		Thread publisher = this.thread;
		if (publisher != null) {
			try {
				publisher.join(timeoutMillis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.thread = null;
	}

	private void run() {
		List<Op> batch = new ArrayList<>(BATCH);
		while (this.running || !this.queue.isEmpty()) {
			try {
				if (this.held.isEmpty() || !this.host.available()) {
					Op first = this.queue.poll(100, TimeUnit.MILLISECONDS);
					if (first != null) {
						batch.add(first);
						this.queue.drainTo(batch, BATCH - 1);
					}
				}
				if (!this.host.available()) {
					hold(batch);
					continue;
				}
				if (epochCheckDue() && !checkEpoch()) {
					hold(batch);
					continue;
				}
				if (!this.held.isEmpty() && !resend(batch)) {
					continue;
				}
				if (batch.isEmpty()) {
					continue;
				}
				List<Object> results = this.redis.executePipelined((RedisCallback<?>) (connection) -> {
					StringRedisConnection strings = new DefaultStringRedisConnection(connection);
					for (Op op : batch) {
						if (op instanceof Broadcast broadcast) {
							send(strings, broadcast);
						}
						else if (op instanceof Command command) {
							command.action().accept(strings);
						}
					}
					return null;
				});
				for (Op op : batch) {
					if (op instanceof Command command) {
						command.done(true);
					}
				}
				if (results.contains(-1L)) {
					// refused, numbered in no epoch: Redis lost its data; the record tells what was numbered
					this.uncertain = true;
					hold(batch, false);
					this.epochCheckDue = true;
				}
				else {
					remember(batch);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (RuntimeException ex) {
				this.host.unavailable(ex);
				// some of the batch may have been numbered: the record says which, once Redis answers again
				this.uncertain = true;
				hold(batch);
				// Redis may come back empty
				this.epochCheckDue = true;
			}
			finally {
				batch.clear();
			}
		}
	}

	/**
	 * Puts the held broadcasts in front of the batch, after dropping those the record shows were numbered.
	 * @return whether the batch can be sent now
	 */
	private boolean resend(List<Op> batch) {
		if (this.uncertain) {
			String recorded;
			try {
				recorded = this.redis.opsForValue().get(this.keys.published(this.nodeId));
			}
			catch (RuntimeException ex) {
				this.host.unavailable(ex);
				hold(batch);
				return false;
			}
			long numbered = (recorded != null) ? Long.parseLong(recorded) : Long.MIN_VALUE;
			// numbered before its batch failed: it comes (or came) back through the channel or a stream
			this.held.removeIf((broadcast) -> broadcast.seq <= numbered);
			this.uncertain = false;
		}
		List<Op> resent = new ArrayList<>(this.held);
		this.held.clear();
		if (!resent.isEmpty() && logger.isDebugEnabled()) {
			logger.debug("pulse cluster: sending " + resent.size() + " held broadcasts again");
		}
		batch.addAll(0, resent);
		return true;
	}

	/**
	 * Redis is away or the batch failed: this node's members get the broadcasts at once, the broadcasts wait to be
	 * sent again (the oldest dropped and counted beyond the queue's capacity), the rest is dropped and counted.
	 */
	private void hold(List<Op> batch) {
		hold(batch, true);
	}

	private void hold(List<Op> batch, boolean deliverNow) {
		Broadcast last = null;
		for (Op op : batch) {
			if (op instanceof Broadcast broadcast) {
				last = broadcast;
				this.held.addLast(broadcast);
			}
			else {
				this.failures.incrementAndGet();
				((Command) op).done(false);
			}
		}
		batch.clear();
		if (last != null && deliverNow) {
			deliverLocally(last);
		}
		while (this.held.size() > this.capacity) {
			Broadcast dropped = this.held.removeFirst();
			this.inFlight.remove(dropped.seq);
			this.failures.incrementAndGet();
			logger.warn("pulse cluster: Redis away too long; a broadcast to room " + dropped.room
					+ " reached this node's members only");
		}
	}

	/**
	 * Delivers a broadcast of this node directly, and every earlier one not delivered yet before it: this node's
	 * members get its broadcasts in the order they were made.
	 */
	private void deliverLocally(Broadcast upTo) {
		this.deliveryLock.lock();
		try {
			for (Broadcast broadcast : this.inFlight.headMap(upTo.seq, true).values()) {
				claimAndDeliver(broadcast);
			}
			claimAndDeliver(upTo);
		}
		finally {
			this.deliveryLock.unlock();
		}
	}

	/**
	 * Claims a broadcast for direct delivery and delivers it, both under the broadcast lock: a hand-over, which
	 * holds it exclusively, reads {@link #lastDeliveredDirectly()} as what the members got. Claimed first and
	 * delivered after the lock, a broadcast was named as delivered to a session handed over meanwhile that never
	 * got it (ClusterPublisherTests).
	 */
	private void claimAndDeliver(Broadcast broadcast) {
		Lock shared = this.host.broadcastLock();
		shared.lock();
		try {
			if (broadcast.claim()) {
				this.localDeliveries.incrementAndGet();
				this.host.deliverLocally(broadcast);
			}
		}
		finally {
			shared.unlock();
		}
	}

	/**
	 * Keeps the broadcasts of a batch Redis accepted for the resend window, and forgets those older than it.
	 */
	private void remember(List<Op> batch) {
		for (Op op : batch) {
			if (op instanceof Broadcast broadcast) {
				this.recent.put(broadcast.seq, broadcast);
			}
		}
		long now = System.nanoTime();
		while (!this.recent.isEmpty() && (this.recent.size() > this.capacity
				|| now - this.recent.firstEntry().getValue().queuedNanos > this.resendWindowNanos)) {
			this.recent.pollFirstEntry();
		}
	}

	private boolean epochCheckDue() {
		return this.epochCheckDue || System.nanoTime() - this.epochCheckedNanos > TimeUnit.SECONDS.toNanos(1);
	}

	/**
	 * Reads the epoch; if it is not the one this node last saw (Redis lost its data), holds the broadcasts of the
	 * resend window to be sent again first, in order, with those held already. A Redis without an epoch after this
	 * node saw one gets a new one now, so that every node sees the change even if nobody broadcasts.
	 * @return whether Redis answered
	 */
	private boolean checkEpoch() {
		String current;
		try {
			current = this.redis.opsForValue().get(this.keys.epoch());
			if (current == null && !this.epoch.isEmpty()) {
				this.redis.opsForValue().setIfAbsent(this.keys.epoch(), newEpoch());
				current = this.redis.opsForValue().get(this.keys.epoch());
			}
		}
		catch (RuntimeException ex) {
			this.host.unavailable(ex);
			return false;
		}
		this.epochCheckDue = false;
		this.epochCheckedNanos = System.nanoTime();
		if (current == null) {
			return true;
		}
		if (!this.epoch.isEmpty() && !current.equals(this.epoch)) {
			if (!this.recent.isEmpty()) {
				TreeMap<Long, Broadcast> again = new TreeMap<>(this.recent);
				this.held.forEach((broadcast) -> again.put(broadcast.seq, broadcast));
				this.held.clear();
				this.held.addAll(again.values());
				// the record of the new data set holds none of them: every one is sent again
				this.uncertain = true;
				this.resentBroadcasts.addAndGet(this.recent.size());
				logger.warn("pulse cluster: Redis lost its data (epoch " + this.epoch + " is now " + current
						+ "); sending this node's last " + this.recent.size() + " broadcasts again");
			}
			this.recent.clear();
		}
		this.epoch = current;
		return true;
	}

	private String newEpoch() {
		return this.proposedEpoch + "-" + Long.toHexString(this.epochs.nextLong());
	}

	private void send(StringRedisConnection connection, Broadcast broadcast) {
		connection.eval(ClusterScripts.BROADCAST, ReturnType.INTEGER, 6, this.keys.globalSeq(),
				this.keys.roomSeq(broadcast.room), this.keys.stream(broadcast.room), this.keys.broadcastChannel(),
				this.keys.epoch(), this.keys.published(this.nodeId),
				Integer.toString(this.host.streamRetention(broadcast.room, this.streamRetention)),
				Long.toString(this.host.streamTtlMillis(broadcast.room, this.keyTtlMillis)), newEpoch(), broadcast.room, broadcast.body, this.nodeId,
				Long.toString(broadcast.seq), this.epoch);
	}

}
