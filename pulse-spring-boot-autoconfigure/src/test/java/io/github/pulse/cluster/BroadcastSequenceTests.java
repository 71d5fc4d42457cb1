package io.github.pulse.cluster;

import java.util.Map;
import java.util.Set;

import io.github.pulse.cluster.BroadcastSequence.Deliver;
import io.github.pulse.cluster.BroadcastSequence.Fill;
import io.github.pulse.cluster.BroadcastSequence.Skip;
import io.github.pulse.cluster.ClusterMessage.Broadcast;
import io.github.pulse.cluster.ClusterMessage.Position;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inbox's decision step, without Redis: what a node does with each broadcast and position it receives.
 */
class BroadcastSequenceTests {

	private final BroadcastSequence sequence = new BroadcastSequence();

	@Test
	void broadcastsInOrderAreDeliveredAndCopiesOfDeliveredOnesSkipped() {
		this.sequence.accept(new Position("e1", 10, true));
		assertThat(this.sequence.accept(broadcast(11, 1))).isInstanceOf(Deliver.class);
		assertThat(this.sequence.deliver(broadcast(11, 1))).isZero();
		assertThat(this.sequence.accept(broadcast(11, 1))).isInstanceOf(Skip.class);
		assertThat(this.sequence.accept(broadcast(12, 2))).isInstanceOf(Deliver.class);
		assertThat(this.sequence.delivered()).isEqualTo(11);
	}

	@Test
	void aBroadcastBeyondTheNextOneAsksForTheGapToBeFilledFromTheStreams() {
		this.sequence.accept(new Position("e1", 10, true));
		assertThat(this.sequence.accept(broadcast(15, 5))).isEqualTo(new Fill(10, 15));
		this.sequence.filling(Map.of("lobby", 0L));
		assertThat(this.sequence.deliver(broadcast(12, 1))).isZero();
		this.sequence.filled(15, Set.of("lobby"));
		assertThat(this.sequence.delivered()).isEqualTo(14);
		// 2 to 4 of the room were not in the stream any more: counted
		assertThat(this.sequence.deliver(broadcast(15, 5))).isEqualTo(3);
	}

	@Test
	void theFreshNodeKnowsWhereTheClusterStandsFromItsBaselineAndFillsOnlyWhatCameAfter() {
		assertThat(this.sequence.accept(new Position("e1", 500, true))).isInstanceOf(Skip.class);
		assertThat(this.sequence.delivered()).isEqualTo(500);
		assertThat(this.sequence.accept(new Position("e1", 503, false))).isEqualTo(new Fill(500, 504));
	}

	@Test
	void theFirstBroadcastBeforeTheBaselineStartsTheCountWithoutAGap() {
		assertThat(this.sequence.accept(broadcast(40, 7))).isInstanceOf(Deliver.class);
		this.sequence.deliver(broadcast(40, 7));
		assertThat(this.sequence.accept(new Position("e1", 42, true))).isEqualTo(new Fill(40, 43));
	}

	@Test
	void aNewEpochStartsTheNumberingOverAndFillsItsBroadcastsFromTheStart() {
		this.sequence.accept(new Position("e1", 900, true));
		assertThat(this.sequence.accept(new Broadcast("e2", 3, 3, "n1", 1, "lobby", "{}")))
			.isEqualTo(new Fill(0, 3));
		assertThat(this.sequence.roomNumber("lobby")).isNull();
		// read before the new epoch's first broadcast: nothing to fill
		BroadcastSequence fresh = new BroadcastSequence();
		fresh.accept(new Position("e1", 900, true));
		assertThat(fresh.accept(new Position("", 0, false))).isInstanceOf(Skip.class);
		assertThat(fresh.delivered()).isEqualTo(900);
	}

	@Test
	void aSecondCopyFromTheSamePublisherIsRecognisedAcrossEpochs() {
		Broadcast first = new Broadcast("e1", 1, 1, "n1", 7, "lobby", "{}");
		assertThat(this.sequence.repeated(first)).isFalse();
		assertThat(this.sequence.repeated(new Broadcast("e2", 1, 1, "n1", 7, "lobby", "{}"))).isTrue();
		assertThat(this.sequence.repeated(new Broadcast("e2", 2, 2, "n1", 8, "lobby", "{}"))).isFalse();
		// absent, but not yet longer than the grace: still remembered
		this.sequence.retainPublishers(Set.of("n2"), 1_000, 500);
		this.sequence.retainPublishers(Set.of("n2"), 1_400, 500);
		assertThat(this.sequence.repeated(first)).isTrue();
		this.sequence.retainPublishers(Set.of("n2"), 1_501, 500);
		assertThat(this.sequence.repeated(first)).isFalse();
	}

	@Test
	void aPublisherBackWithinTheGraceIsNotForgotten() {
		// Redis lost its data: the nodes register again one by one, and the first heartbeat sees only some of them
		this.sequence.repeated(new Broadcast("e1", 1, 1, "n1", 7, "lobby", "{}"));
		this.sequence.retainPublishers(Set.of("n2"), 1_000, 500);
		this.sequence.retainPublishers(Set.of("n1", "n2"), 1_400, 500);
		this.sequence.retainPublishers(Set.of("n2"), 1_600, 500);
		// absent since 1,600 only
		this.sequence.retainPublishers(Set.of("n2"), 2_000, 500);
		assertThat(this.sequence.repeated(new Broadcast("e2", 1, 1, "n1", 7, "lobby", "{}")))
			.as("a copy sent again after Redis lost its data").isTrue();
	}

	@Test
	void theEpochIsKnownFromTheBaselineOrTheFirstBroadcast() {
		assertThat(this.sequence.epoch()).isNull();
		this.sequence.accept(new Broadcast("e1", 4, 1, "n1", 1, "lobby", "{}"));
		assertThat(this.sequence.epoch()).isEqualTo("e1");
		this.sequence.accept(new Position("e2", 3, false));
		assertThat(this.sequence.epoch()).isEqualTo("e2");
	}

	@Test
	void roomsWithoutLocalMembersAreForgotten() {
		this.sequence.accept(new Position("e1", 0, true));
		this.sequence.deliver(broadcast(1, 1));
		this.sequence.deliver(new Broadcast("e1", 2, 1, "n1", 2, "other", "{}"));
		this.sequence.retainRooms(Set.of("lobby"));
		assertThat(this.sequence.roomNumber("lobby")).isEqualTo(1);
		assertThat(this.sequence.roomNumber("other")).isNull();
	}

	private static Broadcast broadcast(long g, long n) {
		return new Broadcast("e1", g, n, "n1", g, "lobby", "{}");
	}

}
