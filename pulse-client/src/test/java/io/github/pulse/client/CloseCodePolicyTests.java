package io.github.pulse.client;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link CloseCodePolicy#DEFAULT} against the one close-code table both clients share,
 * {@code pulse-client-js/src/close-codes.json} (the browser client's tests read the same file).
 */
class CloseCodePolicyTests {

	private static final Path TABLE = Path.of("..", "pulse-client-js", "src", "close-codes.json");

	static Stream<Arguments> table() throws IOException {
		JsonNode table = new ObjectMapper().readTree(TABLE.toFile());
		List<Arguments> rows = new ArrayList<>();
		table.get("codes").forEach((row) -> rows.add(Arguments.of(row.get("code").asInt(), row.get("action").asText())));
		table.get("stopExamples").forEach((code) -> rows.add(Arguments.of(code.asInt(), table.get("default").asText())));
		return rows.stream();
	}

	@ParameterizedTest(name = "{0}: {1}")
	@MethodSource("table")
	void everyCodeOfTheSharedTableReconnectsExactlyWhenItsActionIsNotStop(int code, String action) {
		assertThat(action).isIn("resume", "reconnect", "stop");
		assertThat(CloseCodePolicy.DEFAULT.reconnects(code)).as("reconnects after %d (%s)", code, action)
			.isEqualTo(!action.equals("stop"));
	}

	@Test
	void theTableCoversEveryCodeThePolicyReconnectsAfter() throws IOException {
		List<Integer> listed = new ArrayList<>();
		new ObjectMapper().readTree(TABLE.toFile()).get("codes").forEach((row) -> listed.add(row.get("code").asInt()));
		for (int code = 0; code < 6000; code++) {
			if (CloseCodePolicy.DEFAULT.reconnects(code)) {
				assertThat(listed).as("reconnecting code %d is in the table", code).contains(code);
			}
		}
	}

	@Test
	void neverDoesNotReconnect() {
		assertThat(CloseCodePolicy.NEVER.reconnects(1006)).isFalse();
	}

}
