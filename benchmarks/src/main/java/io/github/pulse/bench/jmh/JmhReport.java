package io.github.pulse.bench.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Turns JMH's JSON results ({@code -rf json}) into a markdown table fragment: score, error (99.9 % confidence),
 * unit, bytes allocated per operation (with {@code -prof gc}) and, for benchmarks with a {@code recipients}
 * parameter, the time and allocation per recipient.
 * <p>
 * Usage: {@code JmhReport <results.json> <table.md>}.
 */
public final class JmhReport {

	private static final String ALLOCATION = "gc.alloc.rate.norm";

	private JmhReport() {
	}

	/**
	 * Writes the table.
	 * @param args the JSON results and the markdown file to write
	 * @throws IOException if a file cannot be read or written
	 */
	public static void main(String[] args) throws IOException {
		if (args.length != 2) {
			System.err.println("Usage: JmhReport <results.json> <table.md>");
			System.exit(2);
		}
		String table = table(new ObjectMapper().readTree(Path.of(args[0]).toFile()));
		Files.writeString(Path.of(args[1]), table);
		System.out.print(table);
	}

	static String table(JsonNode results) {
		StringBuilder table = new StringBuilder();
		table.append("| benchmark | parameters | score | error | unit | allocated | per recipient |\n");
		table.append("| --- | --- | ---: | ---: | --- | ---: | ---: |\n");
		for (JsonNode result : results) {
			JsonNode primary = result.path("primaryMetric");
			double score = score(primary.path("score"));
			JsonNode allocation = result.path("secondaryMetrics").path(ALLOCATION);
			Double bytes = allocation.isMissingNode() ? null : score(allocation.path("score"));
			int recipients = result.path("params").path("recipients").asInt(0);
			String unit = primary.path("scoreUnit").asText();
			table.append(String.format(Locale.ROOT, "| %s | %s | %s | ± %s | %s | %s | %s |%n", name(result),
					parameters(result.path("params")), number(score), number(score(primary.path("scoreError"))),
					unit, (bytes != null) ? number(bytes) + " B/op" : "n/a",
					(recipients > 0) ? perRecipient(score, unit, bytes, recipients) : ""));
		}
		return table.toString();
	}

	/** A JMH score: a number, or the string {@code "NaN"} JMH writes when there is no error estimate. */
	private static double score(JsonNode value) {
		return value.isNumber() ? value.asDouble() : Double.parseDouble(value.asText());
	}

	/** The benchmark's simple class name and method, without the package. */
	private static String name(JsonNode result) {
		String[] parts = result.path("benchmark").asText().split("\\.");
		return (parts.length >= 2) ? parts[parts.length - 2] + "." + parts[parts.length - 1] : parts[0];
	}

	private static String parameters(JsonNode params) {
		List<String> pairs = new ArrayList<>();
		params.properties().forEach((entry) -> pairs.add(entry.getKey() + "=" + entry.getValue().asString()));
		return String.join(", ", pairs);
	}

	private static String perRecipient(double score, String unit, Double bytes, int recipients) {
		String time = number(score / recipients) + " " + unit.replace("/op", "");
		return (bytes != null) ? time + ", " + number(bytes / recipients) + " B" : time;
	}

	private static String number(double value) {
		if (Double.isNaN(value)) {
			return "n/a";
		}
		return String.format(Locale.ROOT, (Math.abs(value) >= 100) ? "%,.0f" : "%,.1f", value);
	}

}
