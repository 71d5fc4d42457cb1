package io.github.pulse.client;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class CloseCodePolicyTests {

	@ParameterizedTest
	@ValueSource(ints = { 1001, 1005, 1006, 1011, 1012, 1013, 1014, 1015, 4002 })
	void transientCodesReconnect(int code) {
		assertThat(CloseCodePolicy.DEFAULT.reconnects(code)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(ints = { 1000, 1002, 1003, 1007, 1008, 1009, 1010, 3000, 4000, 4001, 4003, 4100, 4999 })
	void applicationClosesAndProtocolViolationsDoNotReconnect(int code) {
		assertThat(CloseCodePolicy.DEFAULT.reconnects(code)).isFalse();
	}

}
