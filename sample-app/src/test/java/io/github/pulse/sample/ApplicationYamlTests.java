package io.github.pulse.sample;

import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's application.yml documents every pulse setting: each key the configuration metadata knows is there,
 * with a comment above it.
 */
class ApplicationYamlTests {

	@Test
	void everyPulsePropertyIsSetWithACommentAboveIt() throws Exception {
		Set<String> known = pulseProperties();
		assertThat(known).contains("pulse.path", "pulse.debug.allow-drop", "pulse.resume.window");
		String text = new ClassPathResource("application.yml").getContentAsString(StandardCharsets.UTF_8);
		Map<String, Object> yaml = new Yaml().load(text);
		Set<String> present = new TreeSet<>();
		flatten("", yaml, present);
		assertThat(present).containsAll(known);
		List<String> lines = List.of(text.split("\n"));
		for (String property : known) {
			String leaf = property.substring(property.lastIndexOf('.') + 1);
			int line = indexOfKey(lines, leaf + ":");
			assertThat(lines.get(line - 1).strip()).as("comment above %s", property).startsWith("#");
		}
	}

	private static Set<String> pulseProperties() throws Exception {
		Set<String> names = new TreeSet<>();
		ObjectMapper json = new ObjectMapper();
		for (URL url : Collections.list(ApplicationYamlTests.class.getClassLoader()
			.getResources("META-INF/spring-configuration-metadata.json"))) {
			try (InputStream in = url.openStream()) {
				for (JsonNode property : json.readTree(in).path("properties")) {
					String name = property.path("name").asText();
					if (name.startsWith("pulse.")) {
						names.add(name);
					}
				}
			}
		}
		return names;
	}

	@SuppressWarnings("unchecked")
	private static void flatten(String prefix, Map<String, Object> map, Set<String> keys) {
		map.forEach((key, value) -> {
			String name = prefix.isEmpty() ? key : prefix + "." + key;
			if (value instanceof Map<?, ?> nested) {
				flatten(name, (Map<String, Object>) nested, keys);
			}
			else {
				keys.add(name);
			}
		});
	}

	private static int indexOfKey(List<String> lines, String key) {
		List<Integer> matches = new ArrayList<>();
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).strip().startsWith(key)) {
				matches.add(i);
			}
		}
		assertThat(matches).as("lines with %s", key).isNotEmpty();
		return matches.get(0);
	}

}
