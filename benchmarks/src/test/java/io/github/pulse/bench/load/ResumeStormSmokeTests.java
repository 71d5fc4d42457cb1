package io.github.pulse.bench.load;

import java.time.Duration;

import io.github.pulse.bench.PulseBenchServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tiny resume storm (40 clients behind the proxy, 20 broadcasts/s) against the pulse benchmark server: every
 * client is cut, resumes, and sees every broadcast exactly once.
 */
@SpringBootTest(classes = PulseBenchServer.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class ResumeStormSmokeTests {

	@LocalServerPort
	int port;

	@Test
	void everyClientResumesAndLosesNothing() throws Exception {
		ResumeStorm.Settings settings = new ResumeStorm.Settings("127.0.0.1", this.port, 40, 20, Duration.ofMillis(500),
				Duration.ofMillis(500), Duration.ofMillis(200), Duration.ofSeconds(20), 2, 1, 5);

		ResumeStorm.Result result = ResumeStorm.run(settings, (line) -> {
		});

		assertThat(result.connected()).isEqualTo(40);
		assertThat(result.cut()).isEqualTo(40);
		assertThat(result.resumed()).isEqualTo(40);
		assertThat(result.failed()).isZero();
		assertThat(result.allResumedMillis()).isNotNull();
		assertThat(result.published()).isPositive();
		assertThat(result.lost()).isZero();
		assertThat(result.missed()).isZero();
		assertThat(result.duplicates()).isZero();
		assertThat(result.errors()).isEmpty();
		assertThat(result.markdown()).contains("| 40 |");
	}

}
