package io.github.pulse.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rooms' history by itself, on a clock driven by hand: its size, its maximum age, what a purge forgets, and a
 * cluster node's copy (read once, merged with what was delivered meanwhile, started over after a loss).
 */
class RoomHistoryTests {

	private final AtomicLong clock = new AtomicLong();

	private final RoomHistory history = new RoomHistory(List.of("chat-*"), 3, Duration.ofMinutes(1), this.clock::get);

	private static EncodedBody body(int n) {
		return EncodedBody.of(",\"event\":\"chat\",\"room\":\"chat-1\",\"payload\":" + n + "}");
	}

	private List<String> recent(String room, int count) {
		return this.history.locked(room, (state) -> state.recent(count, this.clock.get()))
			.stream()
			.map((frame) -> frame.body().text())
			.toList();
	}

	private void append(String room, int n, long g) {
		this.history.locked(room, (state) -> {
			state.append(body(n), this.clock.get(), g);
			return null;
		});
	}

	@Test
	void aRoomKeepsItsMostRecentBroadcastsUpToTheSizeOldestFirst() {
		for (int i = 0; i < 5; i++) {
			append("chat-1", i, 0);
		}
		assertThat(recent("chat-1", 10)).containsExactly(body(2).text(), body(3).text(), body(4).text());
		assertThat(recent("chat-1", 2)).containsExactly(body(3).text(), body(4).text());
		assertThat(this.history.isOn("chat-1")).isTrue();
		assertThat(this.history.isOn("news")).isFalse();
	}

	@Test
	void aFrameOfHistoryIsTheSameMessageMarkedHistory() {
		RoomHistory.Frame frame = new RoomHistory.Frame(body(1), 0, 0);
		assertThat(frame.asHistory().text()).isEqualTo(",\"history\":true" + body(1).text());
	}

	@Test
	void broadcastsOlderThanTheMaximumAgeAreNotServedAndAPurgeForgetsARoomLeftWithNone() {
		append("chat-1", 0, 0);
		this.clock.addAndGet(TimeUnit.SECONDS.toNanos(40));
		append("chat-1", 1, 0);
		this.clock.addAndGet(TimeUnit.SECONDS.toNanos(30));
		assertThat(recent("chat-1", 3)).containsExactly(body(1).text());
		this.history.purge(this.clock.get(), (room) -> false);
		assertThat(this.history.rooms()).containsExactly("chat-1");
		this.clock.addAndGet(TimeUnit.SECONDS.toNanos(31));
		this.history.purge(this.clock.get(), (room) -> false);
		assertThat(this.history.rooms()).isEmpty();
	}

	@Test
	void aClusterCopyIsWhatTheStreamHeldThenWhatWasDeliveredSinceTheReadBeganEachOnce() {
		List<Runnable> ran = new ArrayList<>();
		assertThat(this.history.awaitCopy("chat-1", () -> ran.add(() -> {
		}))).isEqualTo(RoomHistory.Copy.READ);
		assertThat(this.history.awaitCopy("chat-1", () -> {
		})).isEqualTo(RoomHistory.Copy.WAITING);
		// delivered while the stream is read: 11 is in the read too, 12 is not
		this.history.delivered("chat-1", body(11).text(), 11, this.clock.get());
		this.history.delivered("chat-1", body(12).text(), 12, this.clock.get());
		// the read also returned 13, which this node has not delivered yet: it comes live, and into the copy, later
		List<Runnable> joins = this.history.copied("chat-1",
				List.of(new RoomHistory.Frame(body(9).text(), 0, 9), new RoomHistory.Frame(body(10).text(), 0, 10),
						new RoomHistory.Frame(body(11).text(), 0, 11), new RoomHistory.Frame(body(13).text(), 0, 13)),
				12);
		assertThat(joins).hasSize(2);
		assertThat(recent("chat-1", 5)).containsExactly(body(10).text(), body(11).text(), body(12).text());
		assertThat(this.history.ran("chat-1")).isEmpty();
		assertThat(this.history.awaitCopy("chat-1", () -> {
		})).isEqualTo(RoomHistory.Copy.READY);
		assertThat(ran).isEmpty();
	}

	@Test
	void aLossWhileTheStreamIsReadLeavesOnlyWhatCameAfterItAndTheNextJoinReadsAgain() {
		this.history.awaitCopy("chat-1", () -> {
		});
		this.history.delivered("chat-1", body(11).text(), 11, this.clock.get());
		this.history.lost("chat-1");
		this.history.delivered("chat-1", body(20).text(), 20, this.clock.get());
		this.history.copied("chat-1", List.of(new RoomHistory.Frame(body(11).text(), 0, 11)), 20);
		this.history.ran("chat-1");
		assertThat(recent("chat-1", 5)).containsExactly(body(20).text());
		assertThat(this.history.awaitCopy("chat-1", () -> {
		})).isEqualTo(RoomHistory.Copy.READ);
	}

	@Test
	void aCopyNobodyAskedForRecordsNothingAndAJoinBehindAReadRunsAfterIt() {
		this.history.delivered("chat-2", body(1).text(), 1, this.clock.get());
		assertThat(this.history.rooms()).isEmpty();
		assertThat(this.history.afterRead("chat-2", () -> {
		})).isFalse();
		this.history.awaitCopy("chat-2", () -> {
		});
		List<String> order = new ArrayList<>();
		assertThat(this.history.afterRead("chat-2", () -> order.add("leave"))).isTrue();
		this.history.copied("chat-2", null, 0).forEach(Runnable::run);
		assertThat(order).containsExactly("leave");
	}

	@Test
	void whatComesWhileTheJoinsThatWaitedForTheReadRunWaitsBehindThem() {
		List<String> order = new ArrayList<>();
		this.history.awaitCopy("chat-4", () -> order.add("join"));
		List<Runnable> joins = this.history.copied("chat-4", List.of(), 0);
		// the read is back but its join has not run yet: a leave and another join that come now go after it
		assertThat(this.history.afterRead("chat-4", () -> order.add("leave"))).isTrue();
		assertThat(this.history.awaitCopy("chat-4", () -> order.add("join again"))).isEqualTo(RoomHistory.Copy.WAITING);
		joins.forEach(Runnable::run);
		List<Runnable> next = this.history.ran("chat-4");
		next.forEach(Runnable::run);
		assertThat(this.history.ran("chat-4")).isEmpty();
		assertThat(order).containsExactly("join", "leave", "join again");
		assertThat(this.history.afterRead("chat-4", () -> {
		})).isFalse();
		assertThat(this.history.awaitCopy("chat-4", () -> {
		})).isEqualTo(RoomHistory.Copy.READY);
	}

	@Test
	void aClusterForgetsTheCopyOfARoomWithoutMembersHereOnceNoJoinUsedItForAWhile() {
		this.history.awaitCopy("chat-3", () -> {
		});
		this.history.copied("chat-3", List.of(new RoomHistory.Frame(body(1).text(), 0, 1)), 1);
		this.history.ran("chat-3");
		this.history.purge(this.clock.get(), (room) -> true);
		assertThat(this.history.rooms()).containsExactly("chat-3");
		this.clock.addAndGet(TimeUnit.SECONDS.toNanos(31));
		this.history.purge(this.clock.get(), (room) -> false);
		assertThat(this.history.rooms()).containsExactly("chat-3");
		this.history.purge(this.clock.get(), (room) -> true);
		assertThat(this.history.rooms()).isEmpty();
	}

}
