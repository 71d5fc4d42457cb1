package io.github.pulse.bench.load;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metrics-cost summary: medians per side and the ratios.
 */
class MetricsCostTests {

	private static FanOutScenario.Step step(double deliveries, double serverCpuPercent) {
		// server CPU per delivery = 10,000 * cpu% / deliveries/s microseconds
		return new FanOutScenario.Step(100, 100, 0, deliveries, 0, 5, 50, 60, 70, 40, serverCpuPercent);
	}

	@Test
	void mediansAndRatiosOfBothSides() {
		List<MetricsCost.Run> runs = List.of(new MetricsCost.Run(true, 1, step(90_000, 90)),
				new MetricsCost.Run(false, 1, step(100_000, 90)), new MetricsCost.Run(false, 2, step(99_000, 90)),
				new MetricsCost.Run(true, 2, step(97_000, 97)), new MetricsCost.Run(true, 3, step(96_000, 96)),
				new MetricsCost.Run(false, 3, step(98_000, 98)));

		assertThat(MetricsCost.median(runs, true, FanOutScenario.Step::deliveriesPerSecond)).isEqualTo(96_000);
		assertThat(MetricsCost.median(runs, false, FanOutScenario.Step::deliveriesPerSecond)).isEqualTo(99_000);
		String markdown = MetricsCost.markdown(runs, 1000, 2, 100);
		assertThat(markdown).contains("| 2 | on | 97,000 | 10.00 | 50.0 | 0 |")
			.contains("deliveries/s on 96,000, off 99,000, ratio on/off 0.970 (throughput cost +3.1 %)")
			.contains("server CPU per delivery on 10.00 µs, off 9.09 µs, ratio on/off 1.100 (CPU cost +10.0 %)")
			.contains("|throughput +3.1 %, CPU per delivery +10.0 %|**not met**");
	}

	@Test
	void theTargetNeedsBothThroughputAndCpuPerDeliveryWithinThreePercent() {
		// throughput capped by the offered rate (equal on both sides) while metrics cost 10 % more CPU per delivery
		List<MetricsCost.Run> costly = List.of(new MetricsCost.Run(true, 1, step(100_000, 99)),
				new MetricsCost.Run(false, 1, step(100_000, 90)));
		assertThat(MetricsCost.markdown(costly, 1000, 2, 100)).contains("CPU per delivery +10.0 %|**not met**");
		List<MetricsCost.Run> cheap = List.of(new MetricsCost.Run(true, 1, step(100_000, 92)),
				new MetricsCost.Run(false, 1, step(100_000, 90)));
		assertThat(MetricsCost.markdown(cheap, 1000, 2, 100)).contains("CPU per delivery +2.2 %|met");
	}

}
