package io.github.pulse.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

import org.jspecify.annotations.Nullable;

/**
 * The rooms a client joined itself and its joins and leaves waiting for an answer, so that they can be sent again
 * when a session starts afresh. Not thread-safe: the client calls it under its lock.
 */
final class ClientRooms {

	/** A join or leave sent and not yet answered. */
	static final class Operation {

		final String ref;

		final boolean join;

		final String room;

		/** {@code null} for a rejoin the client makes on its own after a fresh session. */
		final @Nullable CompletableFuture<Void> future;

		/** The frame, as queued: a frame still in the client's queue is not queued again. */
		final String text;

		@Nullable ScheduledFuture<?> timeout;

		Operation(String ref, boolean join, String room, @Nullable CompletableFuture<Void> future, String text) {
			this.ref = ref;
			this.join = join;
			this.room = room;
			this.future = future;
			this.text = text;
		}

	}

	private final Map<String, Operation> pending = new LinkedHashMap<>();

	private final Set<String> joined = new LinkedHashSet<>();

	private long lastRef;

	/** Per room, the users present, in the order they arrived: from a joined answer's view and presence frames. */
	private final Map<String, Set<String>> presence = new LinkedHashMap<>();

	/**
	 * Records a join or leave about to be sent.
	 * @param frame makes the frame from the ref
	 */
	Operation add(boolean join, String room, @Nullable CompletableFuture<Void> future,
			java.util.function.Function<String, String> frame) {
		String ref = "j" + (++this.lastRef);
		Operation operation = new Operation(ref, join, room, future, frame.apply(ref));
		this.pending.put(ref, operation);
		return operation;
	}

	/**
	 * The operation an answer is for, taken out; the rooms joined follow the answer whether or not the caller still
	 * waits for it.
	 * @param type {@code joined}, {@code joinFailed} or {@code left}
	 */
	@Nullable Operation answered(String type, String ref, String room) {
		Operation operation = this.pending.remove(ref);
		if (operation == null || !operation.room.equals(room)) {
			return operation;
		}
		switch (type) {
			case "joined" -> this.joined.add(room);
			case "joinFailed", "left" -> {
				this.joined.remove(room);
				this.presence.remove(room);
			}
			default -> {
			}
		}
		return operation;
	}

	/**
	 * The view a {@code joined} answer carried, which replaces what the client knew of the room.
	 */
	void presenceView(String room, List<String> users) {
		this.presence.put(room, new LinkedHashSet<>(users));
	}

	/**
	 * A presence frame: a user arrived in a room or left it.
	 */
	void presenceChanged(PresenceEvent event) {
		if (event.joined()) {
			this.presence.computeIfAbsent(event.room(), (room) -> new LinkedHashSet<>()).add(event.user());
		}
		else {
			Set<String> users = this.presence.get(event.room());
			if (users != null) {
				users.remove(event.user());
			}
		}
	}

	/**
	 * The users present in a room, as far as the client knows.
	 */
	Set<String> presence(String room) {
		Set<String> users = this.presence.get(room);
		return (users != null) ? java.util.Collections.unmodifiableSet(new LinkedHashSet<>(users)) : Set.of();
	}

	/**
	 * A fresh session starts with no presence known: the joins made again bring the views back.
	 */
	void forgetPresence() {
		this.presence.clear();
	}

	/**
	 * Forgets an operation whose caller stopped waiting.
	 */
	void remove(Operation operation) {
		this.pending.remove(operation.ref, operation);
	}

	/**
	 * What to send again after a resume: the operations still waiting for an answer (the server answers a repeated
	 * join or leave as it did the first time).
	 */
	List<Operation> waiting() {
		return new ArrayList<>(this.pending.values());
	}

	/**
	 * Rooms joined and not left, that no operation is waiting for: what a fresh session must join again.
	 */
	List<String> toRejoin() {
		List<String> rooms = new ArrayList<>();
		for (String room : this.joined) {
			if (this.pending.values().stream().noneMatch((operation) -> operation.room.equals(room))) {
				rooms.add(room);
			}
		}
		return rooms;
	}

	/**
	 * Rooms the client joined itself, as far as the answers so far say, in the order they were joined.
	 */
	Set<String> joined() {
		return java.util.Collections.unmodifiableSet(new LinkedHashSet<>(this.joined));
	}

	/**
	 * Takes every waiting operation out, when the client ends.
	 */
	List<Operation> takeAll() {
		List<Operation> all = new ArrayList<>(this.pending.values());
		this.pending.clear();
		return all;
	}

}
