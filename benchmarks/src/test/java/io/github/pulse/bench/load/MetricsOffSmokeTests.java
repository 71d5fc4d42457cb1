package io.github.pulse.bench.load;

import java.time.Duration;
import java.util.List;

import io.github.pulse.bench.PulseBenchServer;
import io.github.pulse.core.PulseObserver;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "metrics off" side of the metrics-cost scenario is what it claims: with {@link MetricsCost#METRICS_OFF} the
 * pulse benchmark server has no pulse observer and registers no pulse meter, even after a tiny fan-out run.
 */
@SpringBootTest(classes = PulseBenchServer.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		args = { "--spring.autoconfigure.exclude=io.github.pulse.autoconfigure.PulseMetricsAutoConfiguration",
				"--management.observations.enable.pulse=false" })
class MetricsOffSmokeTests {

	@LocalServerPort
	int port;

	@Autowired
	ApplicationContext context;

	@Autowired
	MeterRegistry registry;

	@Test
	void noPulseMeterIsRegisteredOrUpdated() throws Exception {
		assertThat(MetricsCost.METRICS_OFF).containsExactly(
				"--spring.autoconfigure.exclude=io.github.pulse.autoconfigure.PulseMetricsAutoConfiguration",
				"--management.observations.enable.pulse=false");
		FanOutScenario.Settings settings = new FanOutScenario.Settings("127.0.0.1", this.port, "/pulse?room=off", 18, 2,
				"chat", List.of(20.0), Duration.ZERO, Duration.ofMillis(200), Duration.ofMillis(500), 10_000, 2, 1, null);

		FanOutScenario.Result result = FanOutScenario.run(settings, (line) -> {
		});

		assertThat(result.connected()).isEqualTo(20);
		assertThat(result.steps()).singleElement().satisfies((step) -> assertThat(step.lost()).isZero());
		assertThat(this.context.getBeansOfType(PulseObserver.class)).isEmpty();
		assertThat(this.registry.getMeters()).noneMatch((meter) -> meter.getId().getName().startsWith("pulse"));
	}

}
