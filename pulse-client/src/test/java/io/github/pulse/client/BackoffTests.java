package io.github.pulse.client;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class BackoffTests {

	final Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5), 3.0, 0.2);

	@Test
	void baseDelayGrowsByTheFactorUntilTheCeiling() {
		assertThat(this.backoff.baseDelay(1)).isEqualTo(Duration.ofMillis(250));
		assertThat(this.backoff.baseDelay(2)).isEqualTo(Duration.ofMillis(750));
		assertThat(this.backoff.baseDelay(3)).isEqualTo(Duration.ofMillis(2250));
		assertThat(this.backoff.baseDelay(4)).isEqualTo(Duration.ofSeconds(5));
		assertThat(this.backoff.baseDelay(10_000)).isEqualTo(Duration.ofSeconds(5));
	}

	@Test
	void jitterRemovesAtMostItsShareOfTheDelay() {
		assertThat(this.backoff.delay(2, 0.0)).isEqualTo(Duration.ofMillis(750));
		assertThat(this.backoff.delay(2, 0.5)).isEqualTo(Duration.ofMillis(675));
		assertThat(this.backoff.delay(4, 0.999_999)).isGreaterThan(Duration.ofSeconds(4))
			.isLessThanOrEqualTo(Duration.ofSeconds(5));
	}

	@Test
	void fullJitterSpreadsOverTheWholeInterval() {
		Backoff full = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.0, 1.0);
		assertThat(full.delay(7, 0.75)).isEqualTo(Duration.ofMillis(250));
	}

	@Test
	void invalidSettingsNameTheProblem() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2, 0))
			.withMessage("Backoff initialDelay (PT0S) must be positive");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0))
			.withMessageContaining("maxDelay (PT1S) must be at least initialDelay (PT2S)");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5, 0))
			.withMessage("Backoff factor (0.5) must be at least 1");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 1.5))
			.withMessage("Backoff jitter (1.5) must be between 0 and 1");
		assertThatIllegalArgumentException().isThrownBy(() -> this.backoff.delay(1, 1.0));
		assertThatIllegalArgumentException().isThrownBy(() -> this.backoff.baseDelay(0));
	}

}
