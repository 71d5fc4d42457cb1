package io.github.pulse.bench.load;

import java.time.Duration;
import java.util.List;

import io.github.pulse.bench.PulseBenchServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the benchmark harness working in the normal build: a tiny fan-out run (50 connections, two short steps)
 * against the pulse benchmark server on a random port, through the same generator the benchmarks use.
 */
@SpringBootTest(classes = PulseBenchServer.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class FanOutSmokeTests {

	@LocalServerPort
	int port;

	@Test
	void everyBroadcastReachesEverySubscriberWithoutErrors() throws Exception {
		FanOutScenario.Settings settings = new FanOutScenario.Settings("127.0.0.1", this.port, "/pulse?room=smoke", 48,
				2, "chat", List.of(10.0, 20.0), Duration.ZERO, Duration.ofMillis(250), Duration.ofMillis(750), 10_000, 2, 1,
				ProcessHandle.current().pid());

		FanOutScenario.Result result = FanOutScenario.run(settings, (line) -> {
		});

		assertThat(result.connected()).isEqualTo(50);
		assertThat(result.errors()).isEmpty();
		// on a busy machine a step's deliveries may all arrive after its measured window, while draining: they still
		// count for loss and latency, so only the whole run is asked to have a delivery rate
		assertThat(result.steps()).hasSize(2).allSatisfy((step) -> {
			assertThat(step.unsent()).isZero();
			assertThat(step.lost()).isZero();
			assertThat(step.p50Millis()).isPositive();
			assertThat(step.generatorCpuPercent()).isPositive();
			assertThat(step.serverCpuPercent()).isNotNull();
		});
		assertThat(result.saturationDeliveriesPerSecond()).isPositive();
	}

}
