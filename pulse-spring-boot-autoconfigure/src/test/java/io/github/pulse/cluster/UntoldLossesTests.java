package io.github.pulse.cluster;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The counts of lost broadcasts owed to sessions: only to the sessions they were owed to, once each.
 */
class UntoldLossesTests {

	private static final String BODY = ",\"event\":\"tick\",\"room\":\"lobby\",\"payload\":\"1:1\"}";

	private final UntoldLosses losses = new UntoldLosses();

	@Test
	void aCountGoesOnlyToTheSessionsItWasOwedToAndOnlyOnce() {
		this.losses.owe(List.of("a", "b"), "lobby", 50);
		this.losses.owe(List.of("a"), "lobby", 3);
		this.losses.owe(List.of("a"), "hall", 4);
		assertThat(this.losses.takeAll("lobby", Set.of("a", "c"))).isEqualTo(Map.of("a", 53L));
		assertThat(this.losses.takeAll("lobby", Set.of("a", "c"))).as("told once").isEmpty();
		assertThat(this.losses.takeAll("hall", Set.of("b"))).as("not owed to b").isEmpty();
		assertThat(this.losses.take("b")).as("handed over").isEqualTo(Map.of("lobby", 50L));
		assertThat(this.losses.take("b")).isEmpty();
		assertThat(this.losses.takeAll("hall", Set.of("a"))).isEqualTo(Map.of("a", 4L));
		assertThat(this.losses.isEmpty()).isTrue();
	}

	@Test
	void nothingIsOwedForNoLoss() {
		this.losses.owe(List.of("a"), "lobby", 0);
		this.losses.owe("a", Map.of());
		assertThat(this.losses.isEmpty()).isTrue();
	}

	@Test
	void endedSessionsAreForgotten() {
		this.losses.owe(List.of("a", "b"), "lobby", 7);
		this.losses.retain("b"::equals);
		assertThat(this.losses.take("a")).isEmpty();
		assertThat(this.losses.take("b")).isEqualTo(Map.of("lobby", 7L));
	}

	@Test
	void aCountIsAddedToTheMissedABodyCarries() {
		assertThat(UntoldLosses.withMissed(BODY, 0)).isSameAs(BODY);
		assertThat(UntoldLosses.withMissed(BODY, 5)).isEqualTo(",\"missed\":5" + BODY);
		assertThat(UntoldLosses.withMissed(",\"missed\":12" + BODY, 5)).isEqualTo(",\"missed\":17" + BODY);
	}

}
