package io.github.pulse.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.pulse.cluster.RecoveryPlan.Decision;
import io.github.pulse.cluster.RecoveryPlan.Observed;
import io.github.pulse.cluster.RecoveryPlan.Rebuild;
import io.github.pulse.cluster.RecoveryPlan.RecordedSend;
import io.github.pulse.cluster.RecoveryPlan.Refuse;
import io.github.pulse.cluster.RecoveryPlan.RoomState;
import io.github.pulse.cluster.RecoveryPlan.StreamEntry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decision of a resume after the owner died, without Redis: given a snapshot and what Redis holds, which frames
 * are replayed, how many are counted as missed, and when the resume is refused.
 */
class RecoveryPlanTests {

	/** Snapshot at seq 10, global position 20, base 100 of the send counter, 1 counted direct send. */
	private static SnapshotData snapshot(Map<String, String> rooms) {
		return snapshot(rooms, null);
	}

	private static SnapshotData snapshot(Map<String, String> rooms, Map<String, Long> owed) {
		return new SnapshotData("dead", "alice", "alice", "ZGlnZXN0", Map.of("n", 1), Map.of("n", "Long"), rooms, 10,
				20, 1, owed);
	}

	private static Map<String, String> rooms(String... roomAndMark) {
		Map<String, String> rooms = new LinkedHashMap<>();
		for (int i = 0; i < roomAndMark.length; i += 2) {
			rooms.put(roomAndMark[i], roomAndMark[i + 1]);
		}
		return rooms;
	}

	/** Room entries g:n, bodies "room:n". */
	private static RoomState room(String room, long rseq, long... gAndN) {
		List<StreamEntry> entries = new ArrayList<>();
		for (int i = 0; i < gAndN.length; i += 2) {
			entries.add(new StreamEntry(gAndN[i], gAndN[i + 1], room, room + ":" + gAndN[i + 1]));
		}
		return new RoomState(rseq, entries, null, entries.isEmpty() ? null : entries.get(0));
	}

	private static Observed observed(long sends, RoomState... rooms) {
		return new Observed(30, sends, "e1", List.of(rooms));
	}

	private static Rebuild rebuild(Decision decision) {
		assertThat(decision).isInstanceOf(Rebuild.class);
		return (Rebuild) decision;
	}

	@Test
	void nothingAfterTheSnapshotRebuildsTheSessionAsItWas() {
		Rebuild plan = rebuild(RecoveryPlan.decide(snapshot(rooms("a", "5")), 100, observed(101, room("a", 5)),
				List.of(), List.of(), 10));
		assertThat(plan.later()).isEmpty();
		assertThat(plan.missed()).isZero();
		assertThat(plan.state().lastSeq()).isEqualTo(10);
		assertThat(plan.state().rooms()).containsExactly("a");
		assertThat(plan.state().attributes()).containsEntry("n", 1L);
		assertThat(plan.sendBase()).isEqualTo(101);
	}

	@Test
	void aCountOwedAtTheSnapshotIsToldOnTheRoomsFirstReplayedFrameOrElseOnItsNextOne() {
		// lost on the dead node beyond the streams, its watermark already past them: only the snapshot's count says so
		Rebuild plan = rebuild(RecoveryPlan.decide(snapshot(rooms("a", "5", "b", "3", "c", "-2"),
				Map.of("a", 40L, "b", 7L, "c", 2L)), 100, observed(101, room("a", 7, 21, 6, 22, 7), room("b", 3),
						room("c", 2)), List.of(), List.of(), 10));
		assertThat(plan.later()).containsExactly(",\"missed\":40a:6", "a:7");
		assertThat(plan.owed()).as("b has no frame yet; c is left").containsExactly(Map.entry("b", 7L));
		assertThat(plan.missed()).isZero();
	}

	@Test
	void aCountOwedForARoomWhoseLaterFrameTheClientMayHaveIsNotToldTwice() {
		// the client's one frame after the snapshot may be a:6, which the dead node sent with the count
		Rebuild plan = rebuild(RecoveryPlan.decide(snapshot(rooms("a", "5"), Map.of("a", 40L)), 100,
				observed(101, room("a", 7, 21, 6, 22, 7)), List.of(), List.of(), 11));
		assertThat(plan.later()).containsExactly("a:7");
		assertThat(plan.owed()).isEmpty();
	}

	@Test
	void retainedBroadcastsTheClientDidNotReceiveAreReplayedInOrder() {
		Rebuild plan = rebuild(RecoveryPlan.decide(snapshot(rooms("a", "5")), 100,
				observed(101, room("a", 8, 21, 6, 22, 7, 23, 8)), List.of(), List.of(), 11));
		assertThat(plan.later()).containsExactly("a:7", "a:8");
		assertThat(plan.replayed()).isEqualTo(2);
		assertThat(plan.missed()).isZero();
		// the client's 11 plus the two replayed
		assertThat(plan.state().lastSeq() + plan.later().size()).isEqualTo(13);
	}

	@Test
	void broadcastsTrimmedFromTheStreamAreCountedAsMissedAndTheRetainedOnesReplayed() {
		Rebuild plan = rebuild(RecoveryPlan.decide(snapshot(rooms("a", "5")), 100,
				observed(101, room("a", 10, 29, 9, 30, 10)), List.of(), List.of(), 10));
		assertThat(plan.later()).containsExactly("a:9", "a:10");
		assertThat(plan.missed()).isEqualTo(3);
	}

	@Test
	void aRetainedBroadcastThatMayBeAmongTheFramesTheClientHasIsNotReplayed() {
		// two direct sends after the snapshot at unknown places: the client's two frames may be those, or a:6 and one
		Rebuild plan = rebuild(RecoveryPlan.decide(snapshot(rooms("a", "5")), 100, observed(103, room("a", 6, 21, 6)),
				List.of(), List.of(), 12));
		assertThat(plan.later()).isEmpty();
		assertThat(plan.missed()).as("the third frame of the three, whichever it is").isEqualTo(1);
	}

	@Test
	void broadcastsOfAJoinNotYetInASnapshotAreCountedAndNeverReplayed() {
		Rebuild plan = rebuild(RecoveryPlan.decide(snapshot(rooms("a", "5", "b", "?2", "c", "-3")), 100,
				observed(101, room("a", 5), room("b", 4, 25, 3, 26, 4), room("c", 3)), List.of(), List.of(), 10));
		assertThat(plan.later()).isEmpty();
		assertThat(plan.missed()).isEqualTo(2);
		assertThat(plan.state().rooms()).containsExactly("a", "b");
	}

	@Test
	void broadcastsDeliveredHereAfterRedisWasReadAndSendsRecordedMeanwhileAreQueued() {
		List<StreamEntry> since = List.of(new StreamEntry(31, 7, "a", "a:7"), new StreamEntry(32, 1, "z", "z:1"));
		List<RecordedSend> sends = List.of(new RecordedSend(102, "send"));
		Rebuild plan = rebuild(RecoveryPlan.decide(snapshot(rooms("a", "5")), 100, observed(101, room("a", 6, 21, 6)),
				since, sends, 10));
		assertThat(plan.later()).containsExactly("a:6", "a:7", "send");
		assertThat(plan.state().directSends()).as("the send counted after Redis was read").isEqualTo(1);
	}

	@Test
	void aClientClaimingMoreFramesThanTheSessionCanHaveHadIsRefused() {
		assertThat(RecoveryPlan.decide(snapshot(rooms("a", "5")), 100, observed(101, room("a", 6, 21, 6)), List.of(),
				List.of(), 12)).isInstanceOf(Refuse.class);
	}

	@Test
	void aStreamHoldingMoreThanItsCounterSaysIsRefused() {
		assertThat(RecoveryPlan.decide(snapshot(rooms("a", "5")), 100, observed(101, room("a", 5, 21, 6)), List.of(),
				List.of(), 10)).isInstanceOf(Refuse.class);
	}

	@Test
	void aRoomWithNoBroadcastSeenAtTheSnapshotIsPlacedByTheStream() {
		// none before the snapshot: its first broadcast ever came after it
		Rebuild plan = rebuild(RecoveryPlan.decide(snapshot(rooms("a", "@")), 100, observed(101, room("a", 1, 21, 1)),
				List.of(), List.of(), 10));
		assertThat(plan.later()).containsExactly("a:1");
		// one before the snapshot, still retained
		RoomState placed = new RoomState(2, List.of(new StreamEntry(21, 2, "a", "a:2")), 1L, null);
		assertThat(rebuild(RecoveryPlan.decide(snapshot(rooms("a", "@")), 100, observed(101, placed), List.of(),
				List.of(), 10)).later()).containsExactly("a:2");
		// trimmed since: the snapshot cannot be placed
		assertThat(RecoveryPlan.decide(snapshot(rooms("a", "@")), 100, observed(101, room("a", 9, 29, 9)), List.of(),
				List.of(), 10)).isInstanceOf(Refuse.class);
	}

}
