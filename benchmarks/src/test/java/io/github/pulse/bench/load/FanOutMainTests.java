package io.github.pulse.bench.load;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-step CSV the fan-out command writes for the charts.
 */
class FanOutMainTests {

	@Test
	void csvHasTheHeaderAndOneLinePerStepWithAnEmptyServerCpuWhenItWasNotMeasured() {
		FanOutScenario.Settings settings = new FanOutScenario.Settings("127.0.0.1", 8080, "/pulse?room=bench", 1000, 2,
				"chat", List.of(20.0, 40.0), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(3), 1000, 4, 1,
				null);
		List<FanOutScenario.Step> steps = List.of(
				new FanOutScenario.Step(20, 19.9, 0, 20_040, 0, 1.25, 3.5, 7.25, 9, 31.2, 48.0),
				new FanOutScenario.Step(40, 40, 3, 40_080, 2, 1.5, 4, 8, 10, 50, null));
		FanOutScenario.Result result = new FanOutScenario.Result(settings, 1002, Duration.ofSeconds(2), steps, 0,
				Map.of());

		assertThat(FanOutMain.csv("pulse", result).lines()).containsExactly(FanOutMain.CSV_HEADER,
				"pulse,chat,1000,2,20.0,19.9,20040.0,1.250,3.500,7.250,9.000,0,0,31.2,48.0,23.95",
				"pulse,chat,1000,2,40.0,40.0,40080.0,1.500,4.000,8.000,10.000,2,3,50.0,,");
	}

}
