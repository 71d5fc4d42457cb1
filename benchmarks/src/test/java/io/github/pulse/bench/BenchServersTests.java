package io.github.pulse.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BenchServersTests {

	@Test
	void redisIsLeftOutUnlessTheClusterIsOn() {
		assertThat(BenchServers.arguments(new String[] { "--server.port=0" }))
			.containsExactly("--server.port=0", "--spring.autoconfigure.exclude=" + BenchServers.REDIS_AUTO_CONFIGURATIONS);
		assertThat(BenchServers.arguments(new String[] { "--pulse.cluster.enabled=true" }))
			.containsExactly("--pulse.cluster.enabled=true");
	}

	@Test
	void anExclusionGivenOnTheCommandLineKeepsItsClassesAndGainsRedis() {
		assertThat(BenchServers.arguments(new String[] { "--spring.autoconfigure.exclude=a.B" }))
			.containsExactly("--spring.autoconfigure.exclude=a.B," + BenchServers.REDIS_AUTO_CONFIGURATIONS);
	}

}
