package io.github.pulse.bench.load;

import java.time.Duration;
import java.util.List;

import io.github.pulse.PulseServer;
import io.github.pulse.stompbench.StompBenchServer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.UseMainMethod;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the STOMP side of the harness working in the normal build: the generator speaking STOMP 1.2 to the STOMP
 * peer (Spring's simple broker) started through its main method on a random port, a tiny fan-out and a tiny echo
 * run.
 */
@SpringBootTest(classes = StompBenchServer.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		useMainMethod = UseMainMethod.ALWAYS)
class StompSmokeTests {

	@LocalServerPort
	int port;

	@Autowired
	ApplicationContext context;

	@Test
	void pulseStaysOutOfThePeer() {
		assertThat(this.context.getBeanNamesForType(PulseServer.class)).isEmpty();
	}

	@Test
	void everyBroadcastReachesEverySubscriberWithoutErrors() throws Exception {
		FanOutScenario.Result result = FanOutScenario.run(settings(18, 2, "chat"), (line) -> {
		});

		assertThat(result.connected()).isEqualTo(20);
		assertThat(result.errors()).isEmpty();
		assertThat(result.steps()).hasSize(2).allSatisfy((step) -> {
			assertThat(step.unsent()).isZero();
			assertThat(step.lost()).isZero();
			assertThat(step.p50Millis()).isPositive();
		});
	}

	@Test
	void everyEchoComesBackToItsSenderOnly() throws Exception {
		FanOutScenario.Result result = FanOutScenario.run(settings(0, 10, "echo"), (line) -> {
		});

		assertThat(result.connected()).isEqualTo(10);
		assertThat(result.errors()).isEmpty();
		// lost counts missing replies; an echo sent to everyone would show as more deliveries per second than sent
		assertThat(result.steps()).hasSize(2).allSatisfy((step) -> {
			assertThat(step.unsent()).isZero();
			assertThat(step.lost()).isZero();
			assertThat(step.deliveriesPerSecond()).isLessThan(step.targetRate() * 3);
		});
	}

	private FanOutScenario.Settings settings(int subscribers, int publishers, String event) {
		// the simple broker sends no receipt for SUBSCRIBE and registers it asynchronously: the unmeasured prewarm
		// lets every subscription land before the measured steps
		return new FanOutScenario.Settings("127.0.0.1", this.port, "/stomp", subscribers, publishers, event,
				List.of(10.0, 20.0), Duration.ofMillis(300), Duration.ofMillis(250), Duration.ofMillis(750), 10_000, 2, 1,
				ProcessHandle.current().pid(), WireProtocol.named("stomp", "smoke"));
	}

}
