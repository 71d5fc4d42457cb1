package io.github.pulse.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code docs/monitoring.md} and {@code docs/grafana-dashboard.json} in step with {@link PulseMeters}.
 */
class MonitoringGuideTests {

	private static final Path DOCS = Path.of("..", "docs");

	private static final Pattern SERIES = Pattern.compile("pulse_[a-z_]+");

	@Test
	void meterTableOfTheMonitoringGuideIsTheOneGeneratedFromPulseMeters() throws IOException {
		String guide = Files.readString(DOCS.resolve("monitoring.md"));
		String start = "<!-- meters:start -->\n";
		String end = "<!-- meters:end -->";
		assertThat(guide).contains(start, end);
		String table = guide.substring(guide.indexOf(start) + start.length(), guide.indexOf(end));
		assertThat(table).as("regenerate the table with PulseMeterTable.markdown()")
			.isEqualTo(PulseMeterTable.markdown());
	}

	@Test
	void grafanaDashboardQueriesOnlyPublishedSeries() throws IOException {
		JsonNode dashboard = new ObjectMapper().readTree(DOCS.resolve("grafana-dashboard.json").toFile());
		assertThat(dashboard.path("title").asText()).isNotEmpty();
		assertThat(dashboard.path("panels")).isNotEmpty();
		List<String> published = new ArrayList<>();
		for (PulseMeters meter : PulseMeters.values()) {
			published.addAll(PulseMeterTable.prometheusSeries(meter));
		}
		published.add("pulse_delivery_latency_seconds_bucket");
		published.add("pulse_heartbeat_rtt_seconds_bucket");
		for (JsonNode panel : dashboard.path("panels")) {
			for (JsonNode target : panel.path("targets")) {
				String expr = target.path("expr").asText();
				Matcher series = SERIES.matcher(expr);
				assertThat(series.find()).as(panel.path("title").asText()).isTrue();
				do {
					assertThat(published).as(panel.path("title") + ": " + expr).contains(series.group());
				}
				while (series.find());
			}
		}
	}

}
