package io.github.pulse.core;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.springframework.util.PatternMatchUtils;

/**
 * History of the rooms whose name matches one of the configured patterns: per room, its most recent broadcasts (at
 * most {@link #size()}, none older than the maximum age), in the order their members got them. A room's history
 * changes only together with the delivery of the broadcast it records, under the room's lock on one node and under
 * the cluster's delivery lock on a cluster; a client-side join that asks for history reads it and becomes a member
 * under the same lock, so that its history ends where its live frames begin.
 * <p>
 * On a cluster the history of a room is the room's Redis stream: a node keeps a copy of the rooms it has read once
 * ({@linkplain Room#seeded seeded}) and appends to it the broadcasts it delivers, in the cluster's order; it forgets
 * the copy when the room has no member on the node, and when broadcasts of the room were lost to it.
 */
public final class RoomHistory {

	/** Default of {@code pulse.rooms.history-size}. */
	public static final int DEFAULT_SIZE = 50;

	/** Default of {@code pulse.rooms.history-max-age}. */
	public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(24);

	/** Marks a frame of history: it goes right after the sequence number, before the event. */
	static final String HISTORY_FIELD = ",\"history\":true";

	private final String[] patterns;

	private final int size;

	private final long maxAgeNanos;

	/** How long a cluster's copy is kept after a join used it, members here or not. */
	private static final long COPY_GRACE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

	private final Map<String, Room> rooms = new ConcurrentHashMap<>();

	private final java.util.function.LongSupplier clock;

	RoomHistory(List<String> patterns, int size, Duration maxAge, java.util.function.LongSupplier clock) {
		this.clock = clock;
		this.patterns = patterns.toArray(new String[0]);
		this.size = size;
		this.maxAgeNanos = maxAge.toNanos();
	}

	/**
	 * Whether a room has history.
	 */
	public boolean isOn(String room) {
		return this.patterns.length > 0 && PatternMatchUtils.simpleMatch(this.patterns, room);
	}

	/**
	 * Whether any room has history.
	 * @return {@code false} when {@code pulse.rooms.history} is empty
	 */
	public boolean isConfigured() {
		return this.patterns.length > 0;
	}

	/**
	 * Most broadcasts a room keeps.
	 * @return the size
	 */
	public int size() {
		return this.size;
	}

	/**
	 * Maximum age of a broadcast of history.
	 * @return the age
	 */
	public Duration maxAge() {
		return Duration.ofNanos(this.maxAgeNanos);
	}

	/**
	 * Runs an action on a room's history under the room's lock. The room's state is made if there is none; one that
	 * a purge removed meanwhile is looked up again.
	 */
	<T> T locked(String room, Function<Room, T> action) {
		while (true) {
			Room state = this.rooms.computeIfAbsent(room, (name) -> new Room());
			synchronized (state) {
				if (state.removed) {
					continue;
				}
				return action.apply(state);
			}
		}
	}

	/**
	 * Rooms with a history state on this node, a snapshot.
	 * @return the room names
	 */
	public Set<String> rooms() {
		return Set.copyOf(this.rooms.keySet());
	}

	/** What a cluster node's copy of a room's history is when a join asks for it. */
	public enum Copy {

		/** It holds what the cluster kept: the join goes ahead. */
		READY,

		/** The room's stream is being read: the join waits for it. */
		WAITING,

		/** Nobody reads the room's stream yet: the join waits for the read the caller starts now. */
		READ

	}

	/**
	 * On a cluster, a join that asks for a room's history: whether this node's copy of it can serve the join now.
	 * From the first such join of a room on, the copy records what this node delivers to the room, until it is
	 * forgotten; a join that cannot be served now waits to run after the read of the room's stream.
	 * @param room the room
	 * @param join what runs once the copy is read, unless it is ready
	 * @return what the copy is
	 */
	public Copy awaitCopy(String room, Runnable join) {
		return locked(room, (state) -> {
			state.usedNanos = this.clock.getAsLong();
			if (state.seeding) {
				// read, or its joins not all run yet: this one goes after them
				state.pending.add(join);
				return Copy.WAITING;
			}
			if (state.seeded) {
				return Copy.READY;
			}
			state.pending.add(join);
			// what was kept before is not known to follow on from what the read returns
			state.frames.clear();
			state.seeding = true;
			state.broken = false;
			return Copy.READ;
		});
	}

	/**
	 * On a cluster, runs an action after the joins waiting for the read of a room's stream, if any wait.
	 * @param room the room
	 * @param action what runs after them
	 * @return whether it waits too ({@code false}: nothing waits, the caller runs it)
	 */
	public boolean afterRead(String room, Runnable action) {
		Room state = this.rooms.get(room);
		if (state == null) {
			return false;
		}
		synchronized (state) {
			if (state.removed || !state.seeding) {
				return false;
			}
			state.pending.add(action);
			return true;
		}
	}

	/**
	 * On a cluster, the room's stream was read: the copy is what the read returned up to what this node delivered,
	 * followed by what was delivered since the read began, unless broadcasts of the room were lost meanwhile (then it
	 * holds only what was delivered after the loss, and is read again for the next join). Call holding the lock every
	 * delivery takes: what the read returned beyond the node's position comes live, and into the copy, later.
	 * @param room the room
	 * @param read what the stream held, oldest first; {@code null} if it could not be read (the copy then holds what
	 * was delivered since the read began, and is read again for the next join)
	 * @param delivered the number, in the cluster's order, of the last broadcast this node delivered
	 * @return the joins that waited for the read, in the order they came
	 */
	public List<Runnable> copied(String room, @Nullable List<Frame> read, long delivered) {
		return locked(room, (state) -> {
			state.usedNanos = this.clock.getAsLong();
			if (read != null && !state.broken) {
				state.seed(read.stream().filter((frame) -> frame.g() <= delivered).toList());
			}
			return takePending(state);
		});
	}

	/**
	 * On a cluster, the joins that waited for the read of a room's stream ran: what came behind them meanwhile, to
	 * run next; none once the room's joins and leaves no longer wait (the caller runs these, then asks again).
	 * @param room the room
	 * @return what waited behind them, in the order it came
	 */
	public List<Runnable> ran(String room) {
		return locked(room, (state) -> {
			List<Runnable> next = takePending(state);
			if (next.isEmpty()) {
				state.seeding = false;
			}
			return next;
		});
	}

	private static List<Runnable> takePending(Room state) {
		List<Runnable> pending = List.copyOf(state.pending);
		state.pending.clear();
		return pending;
	}

	/**
	 * On a cluster, this node delivered a broadcast (or had delivered it directly before Redis numbered it): a copy
	 * of the room's history records it.
	 * @param room the room
	 * @param body the broadcast's body, as {@link EncodedBody#text()}, without any {@code missed} count
	 * @param g its number in the cluster's order
	 * @param now the engine's time
	 */
	public void delivered(String room, String body, long g, long now) {
		Room state = this.rooms.get(room);
		if (state == null) {
			return;
		}
		synchronized (state) {
			if (!state.removed && (state.seeded || state.seeding)) {
				state.append(EncodedBody.of(body), now, g);
			}
		}
	}

	/**
	 * On a cluster, broadcasts of a room were lost to this node (beyond what the streams keep): its copy of the
	 * room's history starts over.
	 * @param room the room
	 */
	public void lost(String room) {
		Room state = this.rooms.get(room);
		if (state != null) {
			synchronized (state) {
				state.lost();
			}
		}
	}

	/**
	 * On a cluster, Redis lost its data (the numbering starts over): every copy starts over.
	 */
	public void forgetAll() {
		this.rooms.keySet().forEach(this::lost);
	}

	/**
	 * Forgets broadcasts older than the maximum age, and the rooms left with none or that {@code forget} names (a
	 * cluster forgets its copy of the rooms without members here).
	 */
	void purge(long now, Predicate<String> forget) {
		for (Iterator<Map.Entry<String, Room>> it = this.rooms.entrySet().iterator(); it.hasNext();) {
			Map.Entry<String, Room> entry = it.next();
			Room state = entry.getValue();
			synchronized (state) {
				state.expire(now, this.maxAgeNanos);
				boolean idle = state.pending.isEmpty() && !state.seeding && now - state.usedNanos > COPY_GRACE_NANOS;
				if (idle && (state.frames.isEmpty() || forget.test(entry.getKey()))) {
					state.removed = true;
					it.remove();
				}
			}
		}
	}

	/**
	 * One broadcast of history: its body as members got it (without any {@code missed} count), when it was
	 * delivered here, and its number in the cluster's order ({@code 0} on one node).
	 */
	public record Frame(EncodedBody body, long deliveredNanos, long g) {

		/**
		 * A broadcast of history read from a room's stream.
		 * @param body its body, as {@link EncodedBody#text()}
		 * @param deliveredNanos when it was delivered, by the engine's clock
		 * @param g its number in the cluster's order
		 */
		public Frame(String body, long deliveredNanos, long g) {
			this(EncodedBody.of(body), deliveredNanos, g);
		}

		/** The frame as history: the same message with {@code "history":true}. */
		EncodedBody asHistory() {
			return EncodedBody.of(HISTORY_FIELD + this.body.text());
		}

	}

	/** The history of one room; guarded by its monitor. */
	public final class Room {

		final ArrayDeque<Frame> frames = new ArrayDeque<>();

		/** Whether the state was removed: a thread that looked it up before must look again. */
		boolean removed;

		/** On a cluster: whether the copy holds what the room's stream held when it was read, and all since. */
		boolean seeded;

		/**
		 * On a cluster: whether the room's stream is being read, or the joins and leaves that waited for the read are
		 * not all run yet (what comes meanwhile waits behind them).
		 */
		boolean seeding;

		/** When a join last asked for the history (the engine's clock). */
		long usedNanos = RoomHistory.this.clock.getAsLong();

		/** On a cluster: whether broadcasts of the room were lost while its stream was being read. */
		boolean broken;

		/** On a cluster: what waits for the room's stream to be read, in the order it came. */
		final List<Runnable> pending = new ArrayList<>();

		/**
		 * Records a broadcast as delivered now.
		 * @param g its number in the cluster's order, {@code 0} on one node
		 */
		void append(EncodedBody body, long now, long g) {
			if (this.frames.size() == RoomHistory.this.size) {
				this.frames.removeFirst();
			}
			this.frames.addLast(new Frame(body, now, g));
		}

		/**
		 * The most recent broadcasts, at most {@code count} and none older than the maximum age, oldest first.
		 */
		List<Frame> recent(int count, long now) {
			expire(now, RoomHistory.this.maxAgeNanos);
			int skip = Math.max(0, this.frames.size() - count);
			List<Frame> recent = new ArrayList<>(Math.min(count, this.frames.size()));
			for (Frame frame : this.frames) {
				if (skip > 0) {
					skip--;
				}
				else {
					recent.add(frame);
				}
			}
			return recent;
		}

		/**
		 * Merges broadcasts read from the room's stream, oldest first, with what was delivered since the read began:
		 * each once, in the cluster's order, the most recent kept.
		 */
		void seed(List<Frame> read) {
			List<Frame> merged = new ArrayList<>(read.size() + this.frames.size());
			long last = 0;
			for (Frame frame : read) {
				merged.add(frame);
				last = frame.g();
			}
			for (Frame frame : this.frames) {
				if (frame.g() > last) {
					merged.add(frame);
				}
			}
			this.frames.clear();
			for (int i = Math.max(0, merged.size() - RoomHistory.this.size); i < merged.size(); i++) {
				this.frames.addLast(merged.get(i));
			}
			this.seeded = true;
		}

		/** Broadcasts of the room were lost: the copy starts over, and is read again before it is served. */
		void lost() {
			this.frames.clear();
			this.seeded = false;
			this.broken = this.seeding;
		}


		private void expire(long now, long maxAge) {
			while (!this.frames.isEmpty() && now - this.frames.peekFirst().deliveredNanos() > maxAge) {
				this.frames.removeFirst();
			}
		}

	}

}
