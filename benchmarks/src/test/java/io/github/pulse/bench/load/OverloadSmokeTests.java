package io.github.pulse.bench.load;

import java.time.Duration;

import io.github.pulse.bench.PulseBenchServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tiny overload run (22 connections, one second) against the pulse benchmark server with its Prometheus endpoint:
 * the bystander gets answers, the heap is sampled, and every frame the server counts as dropped is a gap some client
 * saw.
 */
@SpringBootTest(classes = PulseBenchServer.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=prometheus")
class OverloadSmokeTests {

	@LocalServerPort
	int port;

	@Test
	void bystanderIsAnsweredAndEveryDroppedFrameIsCounted() throws Exception {
		Overload.Settings settings = new Overload.Settings("pulse", "127.0.0.1", this.port, 20, 2, 200,
				Duration.ofSeconds(1), Duration.ofMillis(100), 2, 1, 10, ProcessHandle.current().pid(),
				"http://127.0.0.1:" + this.port + "/actuator/prometheus");

		Overload.Result result = Overload.run(settings, (line) -> {
		});

		assertThat(result.connected()).isEqualTo(22);
		assertThat(result.sent()).isPositive();
		assertThat(result.delivered()).isPositive();
		assertThat(result.pongs()).isPositive();
		assertThat(result.p99()).isNotNull();
		assertThat(result.heapSamples()).isPositive();
		assertThat(result.heapMaxMib()).isPositive();
		assertThat(result.serverDropped()).isNotNull().isEqualTo(result.seqGaps());
		assertThat(result.errors()).isEmpty();
		assertThat(Overload.Result.HEADER + result.row()).contains("| pulse |");
	}

	@Test
	void dropsAreParsedByCause() {
		String scrape = """
				# TYPE pulse_frames_dropped_total counter
				pulse_frames_dropped_total{cause="resume-buffer-overflow"} 3.0
				pulse_frames_dropped_total{cause="send-buffer-overflow"} 12.0
				pulse_messages_sent_total 4.0
				""";

		assertThat(Overload.parseDrops(scrape)).containsEntry("send-buffer-overflow", 12.0)
			.containsEntry("resume-buffer-overflow", 3.0)
			.hasSize(2);
	}

}
