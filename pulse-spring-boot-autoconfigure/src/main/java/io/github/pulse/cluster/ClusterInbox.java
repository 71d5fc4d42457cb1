package io.github.pulse.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.cluster.BroadcastSequence.Fill;
import io.github.pulse.cluster.BroadcastSequence.Step;
import io.github.pulse.cluster.ClusterMessage.Broadcast;
import io.github.pulse.cluster.ClusterMessage.Command;
import io.github.pulse.cluster.ClusterMessage.Position;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.DefaultStringRedisConnection;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Everything a node receives from Redis, processed in arrival order on one thread of its own (never on the
 * subscription's thread, which only decodes and queues): broadcasts in the cluster's order, with gaps filled from
 * the room streams or counted (see {@link BroadcastSequence}), and commands. A full inbox drops broadcasts, which
 * the next one's gap then fills in from the streams.
 */
final class ClusterInbox {

	private static final Log logger = LogFactory.getLog(ClusterInbox.class);

	/** What the inbox delivers to. */
	interface Target {

		/**
		 * Rooms whose broadcasts this node needs: those with local members and those of sessions being rebuilt.
		 * @return the rooms
		 */
		Set<String> neededRooms();

		/**
		 * Delivers a broadcast to this node's members.
		 * @param broadcast the broadcast
		 * @param lost broadcasts of its room lost right before it, to report to the members in {@code missed}
		 * @return the members it was queued for, or -1 if it is not delivered here (this node's own, delivered
		 * directly before)
		 */
		int deliver(Broadcast broadcast, long lost);

		/**
		 * Broadcasts of a room were lost right before one that is not delivered here (this node's own, delivered
		 * directly before, or a second copy): the room's members here are owed the count.
		 * @param room the room
		 * @param lost how many
		 */
		void lostBeforeUndelivered(String room, long lost);

		/**
		 * The delivered position advanced without a delivery (a fill found nothing for this node's rooms).
		 */
		void advanced();

		/**
		 * Processes a command.
		 * @param text the raw command
		 */
		void command(String text);

	}

	private final BlockingQueue<ClusterMessage> queue;

	private final BroadcastSequence sequence = new BroadcastSequence();

	private final Target target;

	/**
	 * Held from a broadcast's number to its delivery to the members (and to the count owed for it): whoever holds
	 * it (a session snapshot) sees a position that matches what the members got.
	 */
	private final Lock deliveryLock;

	private final StringRedisTemplate redis;

	private final ClusterKeys keys;

	private final ObjectMapper json = new ObjectMapper();

	private final AtomicLong filledBroadcasts = new AtomicLong();

	private final AtomicLong missedBroadcasts = new AtomicLong();

	private final AtomicLong droppedMessages = new AtomicLong();

	private final AtomicLong repeatedBroadcasts = new AtomicLong();

	private volatile boolean running;

	private final long publisherGraceNanos;

	private volatile Runnable epochListener = () -> {
	};

	private @Nullable Thread thread;

	ClusterInbox(Target target, StringRedisTemplate redis, ClusterKeys keys, int capacity, long publisherGraceMillis,
			Lock deliveryLock) {
		this.deliveryLock = deliveryLock;
		this.publisherGraceNanos = TimeUnit.MILLISECONDS.toNanos(publisherGraceMillis);
		this.target = target;
		this.redis = redis;
		this.keys = keys;
		this.queue = new ArrayBlockingQueue<>(capacity);
	}

	/**
	 * Queues a message of the broadcast channel; called on the subscription thread.
	 * @param message the raw message
	 */
	void broadcastReceived(byte[] message) {
		Broadcast broadcast = Broadcast.decode(message);
		if (broadcast == null) {
			logger.warn("pulse cluster: ignored a malformed broadcast message");
			return;
		}
		if (!this.queue.offer(broadcast)) {
			// filled in from the stream when the next one shows the gap
			this.droppedMessages.incrementAndGet();
		}
	}

	/**
	 * Queues a message of this node's command channel; called on the subscription thread.
	 * @param message the raw message
	 * @return whether it was queued
	 */
	boolean commandReceived(byte[] message) {
		if (!this.queue.offer(new Command(new String(message, StandardCharsets.UTF_8)))) {
			this.droppedMessages.incrementAndGet();
			logger.warn("pulse cluster: inbox full, dropped a command");
			return false;
		}
		return true;
	}

	/**
	 * Queues a position of the cluster: the inbox fills in whatever up to it was not delivered when it gets there.
	 * @param position the position
	 */
	void positionRead(Position position) {
		this.queue.offer(position);
	}

	/**
	 * Fills in, on the inbox thread, every broadcast up to {@code g} not yet delivered: a hand-over names a
	 * position (where the cluster stood when the request was published, or what the owner delivered) that this
	 * node may not know of yet (its subscription lost broadcasts, and no later message has shown the gap). Nothing
	 * if {@code epoch} is not this node's: numbers of another epoch say nothing about this one.
	 * @param epoch the epoch of the other node's position, {@code null} if unknown
	 * @param g the global number
	 */
	void catchUpTo(@Nullable String epoch, long g) {
		Fill fill = (epoch != null && epoch.equals(this.sequence.epoch())) ? this.sequence.fillTo(g) : null;
		if (fill != null) {
			fill(fill);
		}
	}

	/**
	 * The epoch of the broadcasts this node delivers; inbox thread.
	 * @return the epoch, {@code null} until known
	 */
	@Nullable String epoch() {
		return this.sequence.epoch();
	}

	/**
	 * The sequence number of the last broadcast of a node delivered here.
	 * @param node the publishing node
	 * @return the number, -1 if none is known
	 */
	long publisherSeq(String node) {
		return this.sequence.publisherSeq(node);
	}

	/**
	 * Global number of the last broadcast delivered here.
	 * @return the number, -1 until known
	 */
	long delivered() {
		return this.sequence.delivered();
	}

	/**
	 * Room number of the last broadcast to a room delivered here.
	 * @param room the room
	 * @return the number, or {@code null} if unknown
	 */
	@Nullable Long roomNumber(String room) {
		return this.sequence.roomNumber(room);
	}

	/**
	 * Forgets what it knows of nodes no longer alive.
	 * @param keep the live nodes
	 */
	void retainPublishers(Set<String> keep) {
		this.sequence.retainPublishers(keep, System.nanoTime(), this.publisherGraceNanos);
	}

	/**
	 * Tells {@code listener} (on the inbox thread) whenever the inbox sees a new epoch: Redis lost its data.
	 * @param listener what to run
	 */
	void onNewEpoch(Runnable listener) {
		this.epochListener = listener;
	}

	/**
	 * Forgets what it knows of rooms without local members.
	 * @param keep the rooms to keep
	 */
	void retainRooms(Set<String> keep) {
		this.sequence.retainRooms(keep);
	}

	long filledBroadcasts() {
		return this.filledBroadcasts.get();
	}

	long missedBroadcasts() {
		return this.missedBroadcasts.get();
	}

	long droppedMessages() {
		return this.droppedMessages.get();
	}

	void start() {
		this.running = true;
		Thread inbox = new Thread(this::run, "pulse-cluster-inbox");
		inbox.setDaemon(true);
		inbox.start();
		this.thread = inbox;
	}

	void stop(long timeoutMillis) {
		this.running = false;
		Thread inbox = this.thread;
		if (inbox != null) {
			inbox.interrupt();
			try {
				inbox.join(timeoutMillis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.thread = null;
	}

	private void run() {
		while (this.running) {
			ClusterMessage message;
			try {
				message = this.queue.poll(100, TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				return;
			}
			if (message == null) {
				continue;
			}
			try {
				process(message);
			}
			catch (RuntimeException ex) {
				logger.error("pulse cluster: processing a message from Redis failed", ex);
			}
		}
	}

	void process(ClusterMessage message) {
		String epoch = this.sequence.epoch();
		try {
			route(message);
		}
		finally {
			if (epoch != null && !epoch.equals(this.sequence.epoch())) {
				this.epochListener.run();
			}
		}
	}

	private void route(ClusterMessage message) {
		if (message instanceof Broadcast broadcast) {
			Step step = this.sequence.accept(broadcast);
			if (step instanceof Fill fill) {
				fill(fill);
				if (broadcast.g() <= this.sequence.delivered()) {
					return;
				}
			}
			else if (!(step instanceof BroadcastSequence.Deliver)) {
				return;
			}
			deliver(broadcast);
		}
		else if (message instanceof Position position) {
			long before = this.sequence.delivered();
			if (this.sequence.accept(position) instanceof Fill fill) {
				fill(fill);
			}
			if (this.sequence.delivered() != before) {
				this.target.advanced();
			}
		}
		else if (message instanceof Command command) {
			this.target.command(command.text());
		}
	}

	private void deliver(Broadcast broadcast) {
		boolean repeated;
		long detected;
		int members;
		this.deliveryLock.lock();
		try {
			repeated = this.sequence.repeated(broadcast);
			detected = this.sequence.deliver(broadcast);
			members = repeated ? -1 : this.target.deliver(broadcast, detected);
			if (members < 0 && detected > 0) {
				// not delivered here (a second copy, or delivered directly before): owed to the members it was lost
				// to, whichever node their next frame comes from, and to no session that joins the room later
				this.target.lostBeforeUndelivered(broadcast.room(), detected);
			}
		}
		finally {
			this.deliveryLock.unlock();
		}
		if (repeated) {
			this.repeatedBroadcasts.incrementAndGet();
		}
		if (detected > 0 && members != 0) {
			this.missedBroadcasts.addAndGet(detected);
			logger.warn("pulse cluster: " + detected + " broadcasts to room " + broadcast.room()
					+ " are no longer in its stream; reported to its members here in missed (found before broadcast "
					+ broadcast.g() + ", " + ((members < 0) ? "which reached them before" : "delivered to " + members)
					+ ")");
		}
	}

	/**
	 * Reads the broadcasts in the fill's range from the streams of the rooms this node needs and delivers them in
	 * the cluster's order. The Redis reads happen on this thread, holding no lock.
	 */
	private void fill(Fill fill) {
		List<String> rooms = new ArrayList<>(new LinkedHashSet<>(this.target.neededRooms()));
		List<Object> results;
		try {
			results = rooms.isEmpty() ? List.of() : this.redis.executePipelined((RedisCallback<?>) (connection) -> {
				StringRedisConnection strings = new DefaultStringRedisConnection(connection);
				for (String room : rooms) {
					strings.eval(ClusterScripts.READ_RANGE, ReturnType.VALUE, 1, this.keys.stream(room),
							Long.toString(fill.after()), Long.toString(fill.before()));
				}
				return null;
			});
		}
		catch (RuntimeException ex) {
			// not filled: the room numbers of the next broadcasts show what is missing, and it is counted
			logger.warn("pulse cluster: could not read the room streams to fill broadcasts " + (fill.after() + 1)
					+ " to " + (fill.before() - 1) + " (" + ex.getMessage() + ")");
			return;
		}
		List<Broadcast> found = new ArrayList<>();
		Map<String, Long> previous = new HashMap<>();
		for (int i = 0; i < rooms.size() && i < results.size(); i++) {
			JsonNode read = parse(results.get(i));
			String room = rooms.get(i);
			long prev = read.path("prev").asLong(-1);
			if (prev >= 0) {
				previous.put(room, prev);
			}
			for (JsonNode entry : read.path("entries")) {
				found.add(new Broadcast("", entry.path(0).asLong(), entry.path(1).asLong(), entry.path(3).asString(),
						entry.path(4).asLong(), room, entry.path(2).asString()));
			}
		}
		found.sort(Comparator.comparingLong(Broadcast::g));
		this.sequence.filling(previous);
		for (Broadcast broadcast : found) {
			deliver(broadcast);
		}
		this.filledBroadcasts.addAndGet(found.size());
		this.sequence.filled(fill.before(), Set.copyOf(rooms));
		this.target.advanced();
		if (logger.isDebugEnabled()) {
			logger.debug("pulse cluster: filled in " + found.size() + " broadcasts numbered " + (fill.after() + 1)
					+ " to " + (fill.before() - 1) + " from the streams of " + rooms.size() + " rooms");
		}
	}

	private JsonNode parse(@Nullable Object result) {
		String text = (result instanceof byte[] bytes) ? new String(bytes, StandardCharsets.UTF_8)
				: String.valueOf(result);
		try {
			return this.json.readTree(text);
		}
		catch (Exception ex) {
			logger.warn("pulse cluster: ignored a malformed stream read");
			return this.json.missingNode();
		}
	}

}
