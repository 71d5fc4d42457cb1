package io.github.pulse.autoconfigure;

import io.github.pulse.cluster.RedisClusterBridge;
import io.github.pulse.core.SessionManager;
import io.github.pulse.test.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

class PulseClusterAutoConfigurationTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(PulseAutoConfiguration.class, PulseClusterAutoConfiguration.class));

	@Test
	void aSingleNodeIsTheDefaultAndUsesNoRedisEvenWhenAConnectionFactoryExists() {
		this.contextRunner.withBean(RedisConnectionFactory.class, PulseClusterAutoConfigurationTests::connectionFactory)
			.run((context) -> {
				assertThat(context).hasSingleBean(SessionManager.class).doesNotHaveBean(RedisClusterBridge.class);
				assertThat(context.getBean(SessionManager.class).clusterBridge()).isNull();
			});
	}

	@Test
	void aSingleNodeNeedsNoRedisOnTheClasspath() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.data.redis", "io.lettuce"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(SessionManager.class)
				.doesNotHaveBean(RedisClusterBridge.class));
	}

	@Test
	void enabledClusterConnectsTheEngineToRedisUnderTheConfiguredNodeId() {
		this.contextRunner.withBean(RedisConnectionFactory.class, PulseClusterAutoConfigurationTests::connectionFactory)
			.withPropertyValues("pulse.cluster.enabled=true", "pulse.cluster.node-id=node-a")
			.run((context) -> {
				RedisClusterBridge bridge = context.getBean(RedisClusterBridge.class);
				assertThat(context.getBean(SessionManager.class).clusterBridge()).isSameAs(bridge);
				assertThat(bridge.nodeId()).isEqualTo("node-a");
				assertThat(bridge.status().available()).isTrue();
				assertThat(bridge.status().nodes()).isEqualTo(1);
			});
	}

	@Test
	void enabledClusterWithoutAConnectionFactoryFailsStartupNamingWhatIsMissing() {
		this.contextRunner.withPropertyValues("pulse.cluster.enabled=true")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pulse.cluster.enabled=true needs one RedisConnectionFactory bean"));
	}

	@Test
	void enabledClusterWithoutSpringDataRedisFailsStartup() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
			.withPropertyValues("pulse.cluster.enabled=true")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("needs Spring Data Redis"));
	}

	@Test
	void enabledClusterWithoutJackson3FailsStartupSayingWhatToAdd() {
		// the nodes' Redis records are Jackson 3's; an application that excluded it is told what to add
		this.contextRunner.withClassLoader(new FilteredClassLoader("tools.jackson"))
			.withBean(RedisConnectionFactory.class, PulseClusterAutoConfigurationTests::connectionFactory)
			.withPropertyValues("pulse.cluster.enabled=true")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("needs Jackson 3")
				.hasMessageContaining("tools.jackson.core:jackson-databind"));
	}

	@Test
	void enabledClusterWithJackson3AloneStarts() {
		// the starter brings Jackson 3 only: the cluster must not need Jackson 2
		this.contextRunner.withClassLoader(new FilteredClassLoader("com.fasterxml.jackson.databind"))
			.withBean(RedisConnectionFactory.class, PulseClusterAutoConfigurationTests::connectionFactory)
			.withPropertyValues("pulse.cluster.enabled=true")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RedisClusterBridge.class));
	}

	@Test
	void nodeTimeoutNotLongerThanTheHeartbeatFailsStartup() {
		this.contextRunner.withBean(RedisConnectionFactory.class, PulseClusterAutoConfigurationTests::connectionFactory)
			.withPropertyValues("pulse.cluster.enabled=true", "pulse.cluster.heartbeat-interval=5s",
					"pulse.cluster.node-timeout=5s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pulse.cluster.node-timeout (PT5S) must be longer than"));
	}

	@Test
	void aStreamRetentionThatIsNotPositiveFailsStartupNamingTheProperty() {
		this.contextRunner.withBean(RedisConnectionFactory.class, PulseClusterAutoConfigurationTests::connectionFactory)
			.withPropertyValues("pulse.cluster.enabled=true", "pulse.cluster.stream-retention=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pulse.cluster.stream-retention (0) must be positive"));
	}

	@Test
	void aLocalDeliveryTimeoutThatIsNotPositiveFailsStartupNamingTheProperty() {
		this.contextRunner.withBean(RedisConnectionFactory.class, PulseClusterAutoConfigurationTests::connectionFactory)
			.withPropertyValues("pulse.cluster.enabled=true", "pulse.cluster.local-delivery-timeout=0ms")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("pulse.cluster.local-delivery-timeout (PT0S) must be positive"));
	}

	private static LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
		factory.afterPropertiesSet();
		return factory;
	}

}
