package io.github.pulse.autoconfigure;

import java.util.UUID;

import io.github.pulse.cluster.RedisClusterBridge;
import io.github.pulse.core.SessionManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.StringUtils;

/**
 * Auto-configuration of the Redis scale-out, with {@code pulse.cluster.enabled=true}: a {@link RedisClusterBridge}
 * on the application's {@link RedisConnectionFactory}. Without the switch, or without Spring Data Redis, nothing of
 * this is created and a node runs alone.
 */
@AutoConfiguration(after = PulseAutoConfiguration.class,
		afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass(RedisConnectionFactory.class)
@ConditionalOnBean(SessionManager.class)
@ConditionalOnBooleanProperty("pulse.cluster.enabled")
public final class PulseClusterAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RedisClusterBridge pulseClusterBridge(SessionManager sessionManager, PulseProperties properties,
			ObjectProvider<RedisConnectionFactory> connectionFactory) {
		PulseProperties.Cluster cluster = properties.getCluster();
		RedisConnectionFactory redis = connectionFactory.getIfUnique(() -> {
			throw new IllegalStateException("pulse.cluster.enabled=true needs one RedisConnectionFactory bean: "
					+ "add spring-boot-starter-data-redis and set spring.data.redis.host/port");
		});
		String nodeId = StringUtils.hasText(cluster.getNodeId()) ? cluster.getNodeId() : UUID.randomUUID().toString();
		return new RedisClusterBridge(sessionManager, redis, nodeId, cluster.getKeyPrefix(),
				cluster.getHeartbeatInterval(), cluster.getNodeTimeout(), cluster.getPublishQueue(),
				cluster.getStreamRetention(), cluster.getLocalDeliveryTimeout());
	}

}
