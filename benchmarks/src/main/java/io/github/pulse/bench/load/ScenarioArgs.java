package io.github.pulse.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * {@code --name=value} arguments of the scenario mains, and where their markdown goes.
 */
final class ScenarioArgs {

	private final Map<String, String> values = new HashMap<>();

	ScenarioArgs(String[] args) {
		for (String arg : args) {
			int equals = arg.indexOf('=');
			if (!arg.startsWith("--") || equals < 0) {
				throw new IllegalArgumentException("expected --name=value, got '" + arg + "'");
			}
			this.values.put(arg.substring(2, equals), arg.substring(equals + 1));
		}
	}

	@Nullable String get(String name) {
		return this.values.get(name);
	}

	String get(String name, String fallback) {
		return this.values.getOrDefault(name, fallback);
	}

	int integer(String name, int fallback) {
		return Integer.parseInt(get(name, Integer.toString(fallback)));
	}

	double decimal(String name, double fallback) {
		return Double.parseDouble(get(name, Double.toString(fallback)));
	}

	/**
	 * Writes the markdown to {@code --out} when given, else to standard output.
	 * @param markdown the fragment
	 * @throws IOException if the file cannot be written
	 */
	void emit(String markdown) throws IOException {
		String out = this.values.get("out");
		if (out != null && !out.isEmpty()) {
			Files.writeString(Path.of(out), markdown);
		}
		else {
			System.out.print(markdown);
		}
	}

}
