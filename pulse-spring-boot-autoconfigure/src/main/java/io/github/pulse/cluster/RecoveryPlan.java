package io.github.pulse.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import tools.jackson.databind.JsonNode;
import io.github.pulse.core.HandoverState;
import org.jspecify.annotations.Nullable;

/**
 * The decision of a resume after the owner died, without Redis: given the session's snapshot and what Redis and
 * this node's inbox hold now, which frames to replay and how the rebuilt session is numbered.
 * <p>
 * The session's frames after the snapshot are the broadcasts to its rooms after the snapshot's position, in the
 * global order every node delivers in, and the direct sends counted after the snapshot, at unknown places among
 * them. What the client has is the first {@code lastSeq - snapshot seq} of those; a retained broadcast is replayed
 * only if it cannot be among them, whatever the unknown places; everything else after {@code lastSeq} is counted in
 * {@code missed}.
 */
final class RecoveryPlan {

	private RecoveryPlan() {
	}

	/** A broadcast of a room stream, or delivered here since Redis was read: {@code g} global, {@code n} room number. */
	record StreamEntry(long g, long n, String room, String body) {
	}

	/** A direct send that reached this node for the session while it was being rebuilt. */
	record RecordedSend(long counter, String body) {
	}

	/**
	 * A room as Redis held it at one instant.
	 *
	 * @param rseq the room's counter
	 * @param entries its stream after the snapshot's position
	 * @param numberAtSnapshot the room number of the last entry at or before the snapshot's position, if retained
	 * @param first the oldest entry of the stream, if any
	 */
	record RoomState(long rseq, List<StreamEntry> entries, @Nullable Long numberAtSnapshot,
			@Nullable StreamEntry first) {
	}

	/**
	 * What Redis held at one instant (read-state.lua).
	 *
	 * @param globalNow the global broadcast counter
	 * @param sends the session's send counter
	 * @param epoch the epoch
	 * @param rooms per room of the snapshot, in its order
	 */
	record Observed(long globalNow, long sends, String epoch, List<RoomState> rooms) {

		/**
		 * Parses read-state.lua's answer.
		 * @param state the JSON
		 * @param rooms the snapshot's rooms, in the order they were asked for
		 * @return the observed state
		 */
		static Observed parse(JsonNode state, List<String> rooms) {
			List<RoomState> read = new ArrayList<>();
			for (int i = 0; i < rooms.size(); i++) {
				JsonNode room = state.path("rooms").path(i);
				List<StreamEntry> entries = new ArrayList<>();
				for (JsonNode entry : room.path("entries")) {
					entries.add(entry(entry, rooms.get(i)));
				}
				JsonNode first = room.path("first");
				read.add(new RoomState(room.path("rseq").asLong(), entries,
						room.hasNonNull("natg") ? room.path("natg").asLong() : null,
						(first.isArray() && !first.isEmpty()) ? entry(first, rooms.get(i)) : null));
			}
			return new Observed(state.path("gnow").asLong(), state.path("sends").asLong(),
					state.path("epoch").asString(), read);
		}

		private static StreamEntry entry(JsonNode entry, String room) {
			return new StreamEntry(entry.path(0).asLong(), entry.path(1).asLong(), room, entry.path(2).asString());
		}

	}

	/** What to do. */
	sealed interface Decision {
	}

	/**
	 * The resume cannot be resolved exactly: the snapshot is put back and the client starts afresh.
	 *
	 * @param reason why, for the log
	 */
	record Refuse(String reason) implements Decision {
	}

	/**
	 * Rebuild the session.
	 *
	 * @param state the session to adopt
	 * @param later the frames to queue after its sequence number: replayed broadcasts, then recorded sends
	 * @param sendBase the send counter base the session counts from
	 * @param replayed broadcasts replayed from the streams
	 * @param missed frames after {@code lastSeq} reported in {@code missed}
	 * @param owed per room, broadcasts the session lost on the dead node beyond the streams and was not told of, to
	 * tell on the room's next frame (those told on a replayed frame are not here)
	 */
	record Rebuild(HandoverState state, List<String> later, long sendBase, int replayed, long missed,
			Map<String, Long> owed) implements Decision {
	}

	/**
	 * Decides a resume after the owner died.
	 * @param snapshot the claimed snapshot
	 * @param base its send counter base
	 * @param observed what Redis held, after the snapshot's position
	 * @param since broadcasts to the snapshot's rooms this node delivered after Redis was read
	 * @param sends direct sends to the session that reached this node meanwhile
	 * @param lastSeq the last sequence number the client received
	 * @return the decision
	 */
	static Decision decide(SnapshotData snapshot, long base, Observed observed, List<StreamEntry> since,
			List<RecordedSend> sends, long lastSeq) {
		long globalNow = observed.globalNow();
		List<String> rooms = new ArrayList<>(snapshot.rooms().keySet());
		TreeMap<Long, StreamEntry> known = new TreeMap<>();
		Map<String, Long> trimmed = new HashMap<>();
		Map<String, Long> firstKnown = new HashMap<>();
		long optional = 0;
		List<String> member = new ArrayList<>();
		for (int i = 0; i < rooms.size(); i++) {
			String room = rooms.get(i);
			RoomState read = observed.rooms().get(i);
			String mark = snapshot.rooms().get(room);
			boolean exact = !mark.startsWith("?") && !mark.startsWith("-");
			if (!mark.startsWith("-")) {
				member.add(room);
			}
			Long watermark = watermark(exact ? mark : mark.substring(1), read, snapshot.g());
			if (watermark == null) {
				return new Refuse("cannot place the snapshot in the stream of room " + room + " any more");
			}
			long later = since.stream().filter((entry) -> entry.room().equals(room) && entry.g() > globalNow).count();
			long count = read.rseq() - watermark;
			if (!exact) {
				// a join or leave not yet in a snapshot: its broadcasts may or may not have reached the client
				optional += Math.max(0, count) + later;
				continue;
			}
			long retained = read.entries().size();
			if (count < retained) {
				return new Refuse("inconsistent stream of room " + room);
			}
			trimmed.put(room, count - retained);
			for (StreamEntry entry : read.entries()) {
				known.put(entry.g(), entry);
			}
			for (StreamEntry entry : since) {
				if (entry.room().equals(room) && entry.g() > globalNow) {
					known.put(entry.g(), entry);
				}
			}
			known.values()
				.stream()
				.filter((entry) -> entry.room().equals(room))
				.findFirst()
				.ifPresent((entry) -> firstKnown.put(room, entry.g()));
		}
		long sendsNow = observed.sends();
		long recordedBefore = sends.stream().filter((send) -> send.counter() > base && send.counter() <= sendsNow).count();
		long unseenSends = Math.max(0, sendsNow - base - snapshot.directSends());
		long lostSends = Math.max(0, unseenSends - recordedBefore);
		long trimmedTotal = trimmed.values().stream().mapToLong(Long::longValue).sum();
		long total = snapshot.seq() + known.size() + trimmedTotal + optional + lostSends;
		if (lastSeq > total) {
			return new Refuse("the client claims " + lastSeq + " frames, the session can have had " + total);
		}
		// the client has the first (lastSeq - seq) frames after the snapshot: replay a retained broadcast only if
		// it comes after them even when every frame of unknown place is put as late as possible
		long received = lastSeq - snapshot.seq();
		List<String> replay = new ArrayList<>();
		// lost on the dead node and not told at the snapshot: on the room's first replayed frame; told already if the
		// client may have had a later frame of the room from the dead node
		Map<String, Long> owed = new HashMap<>();
		if (snapshot.owed() != null) {
			snapshot.owed().forEach((room, lost) -> {
				if (member.contains(room)) {
					owed.put(room, lost);
				}
			});
		}
		int index = 0;
		for (StreamEntry entry : known.values()) {
			long earliest = 1 + index;
			for (Map.Entry<String, Long> room : trimmed.entrySet()) {
				Long first = firstKnown.get(room.getKey());
				if (first != null && first <= entry.g()) {
					earliest += room.getValue();
				}
			}
			Long lost = owed.remove(entry.room());
			if (earliest > received) {
				replay.add((lost != null) ? UntoldLosses.withMissed(entry.body(), lost) : entry.body());
			}
			index++;
		}
		List<String> later = new ArrayList<>(replay);
		long counted = 0;
		for (RecordedSend send : sends) {
			later.add(send.body());
			if (send.counter() > sendsNow) {
				counted++;
			}
		}
		HandoverState rebuilt = new HandoverState(snapshot.id(), snapshot.principal(),
				AttributeTypes.typed(snapshot.attributes(), snapshot.types()), member, total - replay.size(), List.of(),
				counted, HandoverState.UNKNOWN_CLIENT_SEQ);
		return new Rebuild(rebuilt, later, sendsNow, replay.size(), total - lastSeq - replay.size(), Map.copyOf(owed));
	}

	/**
	 * The room number of the last broadcast to the room the session had at the snapshot.
	 * @return the number, or {@code null} if the stream no longer tells
	 */
	private static @Nullable Long watermark(String number, RoomState read, long snapshotG) {
		if (!"@".equals(number)) {
			return Long.parseLong(number);
		}
		if (read.numberAtSnapshot() != null) {
			return read.numberAtSnapshot();
		}
		StreamEntry first = read.first();
		if (first == null && read.rseq() == 0) {
			// the room never had a broadcast
			return 0L;
		}
		if (first != null && first.n() == 1 && first.g() > snapshotG) {
			// its first broadcast ever came after the snapshot
			return 0L;
		}
		// the room had no broadcast here before the snapshot and its stream was trimmed since
		return null;
	}

}
