package io.github.pulse.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Command line for the fan-out scenario. Arguments are {@code --name=value}: {@code port} (required; or
 * {@code ports}, comma-separated, for several nodes of one cluster: publishers connect to the first, subscribers are
 * spread round-robin over all),
 * {@code host} (127.0.0.1), {@code protocol} (pulse; or raw, stomp, socketio: see {@link WireProtocol}),
 * {@code room} (bench), {@code path} (the protocol's, e.g. /pulse?room=bench), {@code subscribers} (1000), {@code publishers} (2), {@code event} (chat, or echo),
 * {@code rates} (comma-separated messages per second), {@code prewarm-ms} (3000), {@code warmup-ms} (1000), {@code step-ms} (3000),
 * {@code stop-p99-ms} (1000), {@code sources} (4), {@code loops} (1), {@code server-pid} (comma-separated for several
 * servers: their CPU is summed and also reported one by one), {@code other-pids} ({@code name:pid,...}, processes
 * whose CPU is reported one by one but not counted as server CPU, e.g. {@code redis-server:1234}), {@code label},
 * {@code out} (a path prefix: writes {@code <out>.md} with the table, {@code <out>.properties} with the summary and
 * {@code <out>.csv} with one line per step, for charts: see {@link #CSV_HEADER}).
 */
public final class FanOutMain {

	/**
	 * Columns of {@code <out>.csv}: the label, the event ({@code chat} for fan-out, {@code echo}), subscribers and
	 * publishers, then per step the target rate and messages sent per second, deliveries per second, latency
	 * percentiles and maximum in milliseconds, lost and unsent counts, generator and server CPU in percent of one
	 * core and server CPU per delivery in microseconds (the last two empty when the server's pid was not given).
	 * With several servers or other processes watched, one more column per process follows:
	 * {@code cpu_pct_<name>} (spaces in the name become underscores), in the order given.
	 */
	public static final String CSV_HEADER = "server,event,subscribers,publishers,rate,sent_per_s,deliveries_per_s,"
			+ "p50_ms,p99_ms,p999_ms,max_ms,lost,unsent,generator_cpu_pct,server_cpu_pct,server_us_per_delivery";

	private FanOutMain() {
	}

	/**
	 * Runs the scenario and writes the results.
	 * @param args {@code --name=value} arguments
	 * @throws Exception if the run fails
	 */
	public static void main(String[] args) throws Exception {
		ScenarioArgs options = new ScenarioArgs(args);
		List<Double> rates = Arrays.stream(options.get("rates", "20,40,60,80,100,130,160,200,250,320").split(","))
			.map(Double::valueOf)
			.toList();
		String ports = options.get("ports", options.get("port", ""));
		if (ports.isEmpty()) {
			throw new IllegalArgumentException("--port (or --ports) is required");
		}
		Map<String, Long> otherPids = new LinkedHashMap<>();
		for (String entry : list(options.get("other-pids"))) {
			int colon = entry.lastIndexOf(':');
			otherPids.put(entry.substring(0, colon), Long.valueOf(entry.substring(colon + 1)));
		}
		WireProtocol protocol = WireProtocol.named(options.get("protocol", "pulse"),
				options.get("room", "bench"));
		FanOutScenario.Settings settings = new FanOutScenario.Settings(options.get("host", "127.0.0.1"),
				list(ports).stream().map(Integer::valueOf).toList(), options.get("path", protocol.path()),
				options.integer("subscribers", 1000),
				options.integer("publishers", 2), options.get("event", "chat"), rates,
				Duration.ofMillis(options.integer("prewarm-ms", 3000)),
				Duration.ofMillis(options.integer("warmup-ms", 1000)),
				Duration.ofMillis(options.integer("step-ms", 3000)),
				options.decimal("stop-p99-ms", 1000),
				options.integer("sources", 4), options.integer("loops", 1),
				list(options.get("server-pid")).stream().map(Long::valueOf).toList(), otherPids, protocol);
		String label = options.get("label", "server");
		FanOutScenario.Result result = FanOutScenario.run(settings, (line) -> System.out.println(label + ": " + line));
		String out = options.get("out");
		if (out != null) {
			write(Path.of(out), label, result);
		}
	}

	private static List<String> list(@Nullable String commaSeparated) {
		if (commaSeparated == null || commaSeparated.isBlank()) {
			return List.of();
		}
		return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter((item) -> !item.isEmpty()).toList();
	}

	/** Names of the processes whose CPU each step reports one by one, in order (empty for a single server alone). */
	private static List<String> processNames(FanOutScenario.Result result) {
		Set<String> names = new LinkedHashSet<>();
		result.steps().forEach((step) -> names.addAll(step.processCpuPercent().keySet()));
		return List.copyOf(names);
	}

	private static String cpu(@Nullable Double percent) {
		return (percent != null) ? String.format(Locale.ROOT, "%.0f %%", percent) : "n/a";
	}

	static void write(Path out, String label, FanOutScenario.Result result) throws IOException {
		List<String> processes = processNames(result);
		StringBuilder table = new StringBuilder();
		table.append(String.format(Locale.ROOT, "**%s**: %,d of %,d connections in %,d ms; generator errors: %s%n%n",
				label, result.connected(), result.settings().subscribers() + result.settings().publishers(),
				result.connectTime().toMillis(), result.errorCount() == 0 ? "none" : result.errors()));
		table.append("| rate (msg/s) | sent (msg/s) | deliveries/s | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) "
				+ "| lost | unsent | generator CPU | server CPU | server CPU per delivery |");
		processes.forEach((name) -> table.append(" ").append(name).append(" CPU |"));
		table.append("\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
		processes.forEach((name) -> table.append(" ---: |"));
		table.append('\n');
		for (FanOutScenario.Step step : result.steps()) {
			table.append(String.format(Locale.ROOT, "| %.0f | %.0f | %,.0f | %.1f | %.1f | %.1f | %.1f | %,d | %,d | %.0f %% | %s | %s |",
					step.targetRate(), step.sentPerSecond(), step.deliveriesPerSecond(), step.p50Millis(),
					step.p99Millis(), step.p999Millis(), step.maxMillis(), step.lost(), step.unsent(),
					step.generatorCpuPercent(),
					(step.serverCpuPercent() != null) ? String.format(Locale.ROOT, "%.0f %%", step.serverCpuPercent()) : "n/a",
					(step.serverMicrosPerDelivery() != null)
							? String.format(Locale.ROOT, "%.1f µs", step.serverMicrosPerDelivery()) : "n/a"));
			processes.forEach((name) -> table.append(' ').append(cpu(step.processCpuPercent().get(name))).append(" |"));
			table.append('\n');
		}
		Files.writeString(Path.of(out + ".md"), table);
		Files.writeString(Path.of(out + ".csv"), csv(label, result));
		Properties summary = new Properties();
		summary.setProperty("connected", Integer.toString(result.connected()));
		summary.setProperty("errors", Long.toString(result.errorCount()));
		summary.setProperty("saturation", String.format(Locale.ROOT, "%.0f", result.saturationDeliveriesPerSecond()));
		result.knee().ifPresent((knee) -> {
			summary.setProperty("knee_rate", String.format(Locale.ROOT, "%.0f", knee.targetRate()));
			summary.setProperty("knee_deliveries", String.format(Locale.ROOT, "%.0f", knee.deliveriesPerSecond()));
			summary.setProperty("knee_p99", String.format(Locale.ROOT, "%.1f", knee.p99Millis()));
		});
		try (var writer = Files.newBufferedWriter(Path.of(out + ".properties"))) {
			summary.store(writer, label);
		}
	}

	static String csv(String label, FanOutScenario.Result result) {
		List<String> processes = processNames(result);
		StringBuilder csv = new StringBuilder(CSV_HEADER);
		processes.forEach((name) -> csv.append(",cpu_pct_").append(name.replace(' ', '_')));
		csv.append('\n');
		FanOutScenario.Settings settings = result.settings();
		for (FanOutScenario.Step step : result.steps()) {
			csv.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%.1f,%.1f,%.1f,%.3f,%.3f,%.3f,%.3f,%d,%d,%.1f,%s,%s",
					label, settings.event(), settings.subscribers(), settings.publishers(), step.targetRate(),
					step.sentPerSecond(), step.deliveriesPerSecond(), step.p50Millis(), step.p99Millis(),
					step.p999Millis(), step.maxMillis(), step.lost(), step.unsent(), step.generatorCpuPercent(),
					(step.serverCpuPercent() != null) ? String.format(Locale.ROOT, "%.1f", step.serverCpuPercent()) : "",
					(step.serverMicrosPerDelivery() != null)
							? String.format(Locale.ROOT, "%.2f", step.serverMicrosPerDelivery()) : ""));
			for (String name : processes) {
				Double percent = step.processCpuPercent().get(name);
				csv.append(',').append((percent != null) ? String.format(Locale.ROOT, "%.1f", percent) : "");
			}
			csv.append('\n');
		}
		return csv.toString();
	}

}
