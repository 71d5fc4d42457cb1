package io.github.pulse.cluster;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.pulse.cluster.ClusterMessage.Broadcast;
import io.github.pulse.cluster.ClusterMessage.Position;
import org.jspecify.annotations.Nullable;

/**
 * Where this node stands in the cluster's order of broadcasts, and what to do with the next message: the pure
 * decision step of the inbox, without Redis. Only the inbox thread changes it; {@link #delivered()} and
 * {@link #roomNumber} may be read from any thread.
 * <ul>
 * <li>A broadcast numbered at or below what was delivered is a copy of one already filled in from the streams:
 * skipped.</li>
 * <li>A broadcast numbered beyond the next one shows a gap (the subscription was cut, or the inbox overflowed):
 * the broadcasts in between are read from the room streams first.</li>
 * <li>A room number beyond the room's next one, once the streams were read, is a gap the streams no longer hold:
 * counted, and reported to the members in {@code missed}.</li>
 * <li>A new epoch (Redis lost its data) starts the numbering over.</li>
 * </ul>
 */
final class BroadcastSequence {

	/** What to do with a message. */
	sealed interface Step {
	}

	/** Nothing to do. */
	record Skip() implements Step {
	}

	/** Read the broadcasts numbered after {@code after} and before {@code before} from the streams, then go on. */
	record Fill(long after, long before) implements Step {
	}

	/** Deliver the broadcast (after what a preceding {@link Fill} found). */
	record Deliver() implements Step {
	}

	private static final Skip SKIP = new Skip();

	private static final Deliver DELIVER = new Deliver();

	private @Nullable String epoch;

	/** Global number of the last broadcast delivered; -1 until known. */
	private volatile long delivered = -1;

	/** Room number of the last broadcast delivered, per room this node knows a number for. */
	private final Map<String, Long> roomNumbers = new ConcurrentHashMap<>();

	/**
	 * Sequence number of the last broadcast delivered, per publishing node: a node sends its broadcasts in order,
	 * so one at or below it is a second copy (sent again after a batch failed without an answer and Redis then
	 * lost the record of it). Kept across epochs.
	 */
	private final Map<String, Long> publisherSeqs = new ConcurrentHashMap<>();

	/** Since when a remembered publisher has not been alive. */
	private final Map<String, Long> absentSince = new ConcurrentHashMap<>();

	/**
	 * Decides about a broadcast from the channel.
	 * @param broadcast the broadcast
	 * @return skip it, fill a gap before it, or deliver it
	 */
	Step accept(Broadcast broadcast) {
		if (!broadcast.epoch().equals(this.epoch)) {
			boolean first = this.epoch == null;
			startEpoch(broadcast.epoch());
			if (first && this.delivered < 0) {
				// the first message before the baseline was read: nothing can be missing before it yet
				this.delivered = broadcast.g() - 1;
			}
		}
		if (broadcast.g() <= this.delivered) {
			return SKIP;
		}
		if (broadcast.g() > this.delivered + 1) {
			return new Fill(this.delivered, broadcast.g());
		}
		return DELIVER;
	}

	/**
	 * Decides about a position the heartbeat read.
	 * @param position the position
	 * @return skip it, or fill up to and including its number
	 */
	Step accept(Position position) {
		if (position.baseline() && this.epoch == null) {
			this.epoch = position.epoch();
			this.delivered = Math.max(this.delivered, position.g());
			return SKIP;
		}
		if (!position.epoch().equals(this.epoch)) {
			if (position.epoch().isEmpty()) {
				// read before the first broadcast of a new epoch arrived: nothing to fill yet
				return SKIP;
			}
			startEpoch(position.epoch());
		}
		return (position.g() > this.delivered) ? new Fill(this.delivered, position.g() + 1) : SKIP;
	}

	/**
	 * Decides about filling in everything up to a global number another node delivered up to.
	 * @param g the global number
	 * @return the fill, or {@code null} if this node delivered that far (or does not know where it stands)
	 */
	@Nullable Fill fillTo(long g) {
		return (this.delivered >= 0 && g > this.delivered) ? new Fill(this.delivered, g + 1) : null;
	}

	/**
	 * Records a broadcast as delivered and returns how many broadcasts of its room are missing right before it
	 * (0 when none are, or when this node had no number for the room).
	 * @param broadcast the broadcast about to be delivered
	 * @return the broadcasts of its room lost before it
	 */
	long deliver(Broadcast broadcast) {
		Long previous = this.roomNumbers.put(broadcast.room(), broadcast.n());
		this.delivered = Math.max(this.delivered, broadcast.g());
		// a room number at or below the last one: the room's counter expired and started over
		return (previous != null && broadcast.n() > previous + 1) ? broadcast.n() - previous - 1 : 0;
	}

	/**
	 * A fill is about to deliver what it read: rooms this node had no number for start from the number the stream
	 * held at the start of the range.
	 * @param previous per filled room, the room number at the start of the range, if the stream still held it
	 */
	void filling(Map<String, Long> previous) {
		previous.forEach(this.roomNumbers::putIfAbsent);
	}

	/**
	 * A fill delivered the broadcasts of {@code filledRooms} numbered before {@code before}; the numbers of the
	 * other rooms are unknown from now on.
	 * @param before the end of the filled range
	 * @param filledRooms the rooms whose streams were read
	 */
	void filled(long before, Set<String> filledRooms) {
		this.roomNumbers.keySet().retainAll(filledRooms);
		this.delivered = Math.max(this.delivered, before - 1);
	}

	/**
	 * Whether a broadcast about to be delivered is a second copy of one its publisher sent before; records it if
	 * not. A second copy is still passed to {@link #deliver} (it took a number), but not delivered to members.
	 * @param broadcast the broadcast
	 * @return {@code true} for a second copy
	 */
	boolean repeated(Broadcast broadcast) {
		Long previous = this.publisherSeqs.get(broadcast.node());
		if (previous != null && broadcast.seq() <= previous) {
			return true;
		}
		this.publisherSeqs.put(broadcast.node(), broadcast.seq());
		return false;
	}

	/**
	 * Forgets the publishers that have been outside {@code keep} (nodes no longer alive) for longer than
	 * {@code graceNanos}: bounded state. Not at once: after Redis lost its data the nodes register again one by
	 * one, and a node that sends its last broadcasts again (see ClusterPublisher) must find its record here.
	 * @param keep the nodes to keep
	 * @param nowNanos the time now, {@link System#nanoTime()}
	 * @param graceNanos how long a publisher may be absent and still be remembered
	 */
	void retainPublishers(Set<String> keep, long nowNanos, long graceNanos) {
		this.absentSince.keySet().retainAll(this.publisherSeqs.keySet());
		for (String publisher : this.publisherSeqs.keySet()) {
			if (keep.contains(publisher)) {
				this.absentSince.remove(publisher);
			}
			else if (nowNanos - this.absentSince.computeIfAbsent(publisher, (absent) -> nowNanos) > graceNanos) {
				this.publisherSeqs.remove(publisher);
				this.absentSince.remove(publisher);
			}
		}
	}

	/**
	 * The epoch of the broadcasts this node delivers.
	 * @return the epoch, {@code null} until known
	 */
	@Nullable String epoch() {
		return this.epoch;
	}

	/**
	 * Forgets the room numbers of rooms outside {@code keep} (rooms without local members): bounded state.
	 * @param keep the rooms to keep
	 */
	void retainRooms(Set<String> keep) {
		this.roomNumbers.keySet().retainAll(keep);
	}

	/**
	 * The sequence number of the last broadcast of a node delivered here.
	 * @param node the publishing node
	 * @return the number, -1 if none is known
	 */
	long publisherSeq(String node) {
		return this.publisherSeqs.getOrDefault(node, -1L);
	}

	/**
	 * Global number of the last broadcast delivered here.
	 * @return the number, -1 until known
	 */
	long delivered() {
		return this.delivered;
	}

	/**
	 * Room number of the last broadcast to a room delivered here.
	 * @param room the room
	 * @return the number, or {@code null} if unknown
	 */
	@Nullable Long roomNumber(String room) {
		return this.roomNumbers.get(room);
	}

	private void startEpoch(String epoch) {
		if (this.epoch != null) {
			// Redis lost its data: every number starts over, and what was numbered in the new epoch is filled in
			this.delivered = 0;
			this.roomNumbers.clear();
		}
		this.epoch = epoch;
	}

}
