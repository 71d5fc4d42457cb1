package io.github.pulse.bench.charts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * The CSV files a benchmark run leaves in one directory, told apart by their header: the per-step files of
 * {@code FanOutMain} ({@code <label>.csv}, header {@code FanOutMain.CSV_HEADER}, columns found by name) and the
 * idle memory file of {@code benchmarks/idle-memory.sh} (header {@code server,heap_kib,rss_kib}, KiB per connection;
 * an empty heap for a server without a Java heap). Other files are ignored.
 *
 * @param steps every fan-out or echo step, in file and step order
 * @param idle every idle memory row
 */
record ResultFiles(List<Step> steps, List<Idle> idle) {

	static final String IDLE_HEADER = "server,heap_kib,rss_kib";

	static ResultFiles read(Path directory) throws IOException {
		List<Step> steps = new ArrayList<>();
		List<Idle> idle = new ArrayList<>();
		List<Path> files;
		try (Stream<Path> listing = Files.list(directory)) {
			files = listing.filter((file) -> file.getFileName().toString().endsWith(".csv")).sorted().toList();
		}
		for (Path file : files) {
			List<String> lines = Files.readAllLines(file).stream().filter((line) -> !line.isBlank()).toList();
			if (lines.isEmpty()) {
				continue;
			}
			String header = lines.get(0).trim();
			List<String> rows = lines.subList(1, lines.size());
			if (header.equals(IDLE_HEADER)) {
				rows.forEach((row) -> idle.add(Idle.parse(file, row)));
			}
			else if (header.startsWith("server,event,")) {
				List<String> columns = Arrays.asList(header.split(","));
				rows.forEach((row) -> steps.add(Step.parse(file, columns, row)));
			}
		}
		return new ResultFiles(steps, idle);
	}

	/**
	 * One step of a fan-out ({@code chat}) or {@code echo} run.
	 * @param server the server's label
	 * @param event {@code chat} or {@code echo}
	 * @param subscribers receiving connections of the run
	 * @param publishers publishing connections of the run
	 * @param deliveriesPerSecond deliveries per second
	 * @param p99Millis 99th percentile latency
	 * @param serverMicrosPerDelivery server CPU per delivery, if measured
	 */
	record Step(String server, String event, int subscribers, int publishers, double deliveriesPerSecond,
			double p99Millis,
			@Nullable Double serverMicrosPerDelivery) {

		static Step parse(Path file, List<String> columns, String row) {
			String[] cells = row.split(",", -1);
			Map<String, String> values = new HashMap<>();
			for (int i = 0; i < Math.min(columns.size(), cells.length); i++) {
				values.put(columns.get(i), cells[i].trim());
			}
			try {
				String cpu = values.getOrDefault("server_us_per_delivery", "");
				return new Step(values.get("server"), values.get("event"),
						Integer.parseInt(values.getOrDefault("subscribers", "0")),
						Integer.parseInt(values.getOrDefault("publishers", "0")),
						Double.parseDouble(values.get("deliveries_per_s")), Double.parseDouble(values.get("p99_ms")),
						cpu.isEmpty() ? null : Double.valueOf(cpu));
			}
			catch (RuntimeException ex) {
				throw new IllegalArgumentException("Bad step line in " + file + ": '" + row + "'", ex);
			}
		}

	}

	/**
	 * Memory per idle connection of one server.
	 * @param server the server's label
	 * @param heapKib heap after a full GC per connection, or {@code null} without a Java heap
	 * @param rssKib resident set size per connection
	 */
	record Idle(String server, @Nullable Double heapKib, double rssKib) {

		static Idle parse(Path file, String row) {
			String[] cells = row.split(",", -1);
			try {
				if (cells.length != 3) {
					throw new IllegalArgumentException("expected 3 columns");
				}
				return new Idle(cells[0].trim(), cells[1].isBlank() ? null : Double.valueOf(cells[1].trim()),
						Double.parseDouble(cells[2].trim()));
			}
			catch (RuntimeException ex) {
				throw new IllegalArgumentException("Bad idle memory line in " + file + ": '" + row + "'", ex);
			}
		}

	}

}
