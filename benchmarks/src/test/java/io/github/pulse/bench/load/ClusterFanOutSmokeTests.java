package io.github.pulse.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.github.pulse.PulseServer;
import io.github.pulse.bench.PulseBenchServer;
import io.github.pulse.test.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the multi-node path of the harness (benchmarks/cluster-fan-out.sh) working: three pulse benchmark servers
 * with the cluster on, sharing a real Redis ({@code redis-server}, as the cluster tests need; the test fails when it
 * is missing), and a tiny fan-out run with the subscribers spread over the three and the publishers on the first.
 * Two thirds of the subscribers get every broadcast only through Redis, so a lost delivery fails the test.
 */
class ClusterFanOutSmokeTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private final List<ConfigurableApplicationContext> nodes = new ArrayList<>();

	@AfterEach
	void stopNodes() {
		this.nodes.forEach(ConfigurableApplicationContext::close);
	}

	@Test
	void subscribersSpreadOverThreeNodesGetEveryBroadcastThroughRedis() throws Exception {
		String prefix = "bench-smoke-" + UUID.randomUUID() + ":";
		List<Integer> ports = new ArrayList<>();
		for (int i = 1; i <= 3; i++) {
			ConfigurableApplicationContext node = new SpringApplicationBuilder(PulseBenchServer.class)
				.properties("server.port=0", "pulse.cluster.enabled=true", "pulse.cluster.node-id=smoke-" + i,
						"pulse.cluster.key-prefix=" + prefix, "spring.data.redis.host=127.0.0.1",
						"spring.data.redis.port=" + redis.port(), "spring.data.redis.timeout=10s")
				.run();
			this.nodes.add(node);
			ports.add(((WebServerApplicationContext) node).getWebServer().getPort());
		}
		long self = ProcessHandle.current().pid();
		FanOutScenario.Settings settings = new FanOutScenario.Settings("127.0.0.1", ports, "/pulse?room=smoke", 48, 2,
				"chat", List.of(10.0, 20.0), Duration.ZERO, Duration.ofMillis(250), Duration.ofMillis(750), 10_000, 2, 1,
				List.of(self, self, self), Map.of("redis-server", self), WireProtocol.pulse("/pulse?room=smoke"));

		List<Integer> perNode = new ArrayList<>();
		FanOutScenario.Result result = FanOutScenario.run(settings, (line) -> {
			if (line.startsWith("connected")) {
				// logged once every connection is welcomed, before any step
				this.nodes.forEach((node) -> perNode.add(node.getBean(PulseServer.class).connectionCount()));
			}
		});

		assertThat(result.connected()).isEqualTo(50);
		assertThat(result.errors()).isEmpty();
		// 48 subscribers round-robin: 16 per node, plus the 2 publishers on the first
		assertThat(perNode).containsExactly(18, 16, 16);
		assertThat(result.steps()).hasSize(2).allSatisfy((step) -> {
			assertThat(step.unsent()).isZero();
			assertThat(step.lost()).isZero();
			assertThat(step.p50Millis()).isPositive();
			assertThat(step.serverCpuPercent()).isNotNull();
			assertThat(step.processCpuPercent()).containsOnlyKeys("node 1", "node 2", "node 3", "redis-server");
		});
		assertThat(result.saturationDeliveriesPerSecond()).isPositive();
		assertThat(FanOutMain.csv("cluster", result).lines().findFirst())
			.hasValue(FanOutMain.CSV_HEADER + ",cpu_pct_node_1,cpu_pct_node_2,cpu_pct_node_3,cpu_pct_redis-server");
	}

}
