package io.github.pulse.metrics;

import java.util.List;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Meter;

/**
 * The meter table of {@code docs/monitoring.md}, generated from {@link PulseMeters}.
 */
public final class PulseMeterTable {

	private PulseMeterTable() {
	}

	/**
	 * The table in Markdown.
	 * @return the table, one line per meter after the header
	 */
	public static String markdown() {
		StringBuilder table = new StringBuilder();
		table.append("| Meter | Type | Base unit | Tags | Prometheus series | Description |\n");
		table.append("| --- | --- | --- | --- | --- | --- |\n");
		for (PulseMeters meter : PulseMeters.values()) {
			table.append("| `")
				.append(meter.meterName())
				.append("` | ")
				.append(type(meter.type()))
				.append(" | ")
				.append((meter.baseUnit() != null) ? meter.baseUnit() : "-")
				.append(" | ")
				.append(meter.tagKeys().isEmpty() ? "-" : meter.tagKeys()
					.stream()
					.map((key) -> "`" + key + "`" + (key.equals("room") ? " (opt-in)" : ""))
					.collect(Collectors.joining(", ")))
				.append(" | ")
				.append(compact(prometheusSeries(meter)))
				.append(" | ")
				.append(meter.description())
				.append(" |\n");
		}
		return table.toString();
	}

	/**
	 * Names of the Prometheus series a meter is scraped as.
	 * @param meter the meter
	 * @return the series names
	 */
	public static List<String> prometheusSeries(PulseMeters meter) {
		String base = meter.meterName().replace('.', '_');
		String unit = (meter.type() == Meter.Type.TIMER) ? "seconds" : meter.baseUnit();
		if (unit != null && !base.endsWith("_" + unit)) {
			base = base + "_" + unit;
		}
		return switch (meter.type()) {
			case COUNTER -> List.of(base + "_total");
			case TIMER, DISTRIBUTION_SUMMARY -> List.of(base + "_count", base + "_sum", base + "_max");
			default -> List.of(base);
		};
	}

	private static String compact(List<String> series) {
		if (series.size() == 1) {
			return "`" + series.get(0) + "`";
		}
		String first = series.get(0);
		String base = first.substring(0, first.lastIndexOf('_'));
		return "`" + base + "_{" + series.stream().map((name) -> name.substring(base.length() + 1))
			.collect(Collectors.joining(",")) + "}`";
	}

	private static String type(Meter.Type type) {
		return switch (type) {
			case DISTRIBUTION_SUMMARY -> "summary";
			default -> type.name().toLowerCase();
		};
	}

}
