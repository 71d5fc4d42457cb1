package io.github.pulse.web;

import java.lang.reflect.Proxy;

import jakarta.websocket.Session;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TomcatConnectionAborterTests {

	@Test
	void sessionOfAnotherContainerIsNotAbortedSoTheCallerFallsBackToAClose() {
		Session foreign = (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Session.class },
				(proxy, method, args) -> {
					throw new UnsupportedOperationException(method.getName());
				});
		assertThat(TomcatConnectionAborter.abort(foreign)).isFalse();
	}

}
