package io.github.pulse.cluster;

import java.util.HashMap;
import java.util.Map;

/**
 * Session attributes across JSON: the type of each value travels beside it, because JSON numbers come back as the
 * narrowest type.
 */
final class AttributeTypes {

	private AttributeTypes() {
	}

	/**
	 * The simple type name of each attribute value.
	 * @param attributes the attributes
	 * @return the types by attribute name
	 */
	static Map<String, String> of(Map<String, Object> attributes) {
		Map<String, String> types = new HashMap<>();
		attributes.forEach((name, value) -> types.put(name, value.getClass().getSimpleName()));
		return types;
	}

	/**
	 * Gives each attribute back the type it had.
	 * @param attributes the attributes as read from JSON
	 * @param types their types, from {@link #of}
	 * @return the typed attributes
	 */
	static Map<String, Object> typed(Map<String, Object> attributes, Map<String, String> types) {
		Map<String, Object> typed = new HashMap<>();
		attributes.forEach((name, value) -> {
			if (value instanceof Number number) {
				switch (types.getOrDefault(name, "")) {
					case "Integer" -> typed.put(name, number.intValue());
					case "Long" -> typed.put(name, number.longValue());
					case "Double" -> typed.put(name, number.doubleValue());
					default -> typed.put(name, value);
				}
			}
			else {
				typed.put(name, value);
			}
		});
		return typed;
	}

}
