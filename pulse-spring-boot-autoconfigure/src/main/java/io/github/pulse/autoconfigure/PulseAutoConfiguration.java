package io.github.pulse.autoconfigure;

import io.github.pulse.PulseConnectHandler;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseRoomAuthorizer;
import io.github.pulse.RoomPatternAuthorizer;
import io.github.pulse.codec.PulseCodec;
import io.github.pulse.core.PulseExecutors;
import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.SessionManager;
import io.github.pulse.web.DefaultPulseConnectHandler;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.socket.WebSocketHandler;

/**
 * Auto-configuration of the pulse engine: codec (on the application's Jackson {@code JsonMapper}), executors,
 * connect handler, room authorizer, session manager and its life cycle.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
		"org.springframework.boot.jackson2.autoconfigure.Jackson2AutoConfiguration" })
@ConditionalOnWebApplication
@ConditionalOnClass(WebSocketHandler.class)
@ConditionalOnBooleanProperty(name = "pulse.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PulseProperties.class)
@Import({ PulseCodecConfigurations.JacksonCodecConfiguration.class,
		PulseCodecConfigurations.Jackson2CodecConfiguration.class,
		PulseExecutorsConfigurations.PlatformThreadsConfiguration.class,
		PulseExecutorsConfigurations.VirtualThreadsConfiguration.class })
public final class PulseAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	PulseConnectHandler pulseConnectHandler(PulseProperties properties) {
		return new DefaultPulseConnectHandler(properties.getDefaultRoom());
	}

	@Bean
	@ConditionalOnMissingBean
	PulseRoomAuthorizer pulseRoomAuthorizer(PulseProperties properties) {
		return new RoomPatternAuthorizer(properties.getRooms().getClientJoin(),
				properties.getRooms().getClientJoinExcluded());
	}

	@Bean
	@ConditionalOnMissingBean
	SessionManager pulseSessionManager(PulseProperties properties, PulseCodec codec,
			PulseExecutors executors, ObjectProvider<PulseListener> listeners, ObjectProvider<PulseObserver> observer,
			ObjectProvider<ObservationRegistry> observationRegistry, PulseRoomAuthorizer roomAuthorizer) {
		SessionManager manager = new SessionManager(PulseSettingsFactory.create(properties), codec,
				() -> listeners.orderedStream().toList(), observer.getIfAvailable(() -> PulseObserver.NOOP),
				System::nanoTime);
		manager.setObservationRegistry(observationRegistry.getIfAvailable(() -> ObservationRegistry.NOOP));
		manager.setExecutors(executors);
		manager.setRoomAuthorizer(roomAuthorizer);
		manager.setMaxRoomsPerConnection(properties.getRooms().getMaxPerConnection());
		manager.setPresence(properties.getRooms().getPresence());
		manager.setHistory(properties.getRooms().getHistory(), properties.getRooms().getHistorySize(),
				properties.getRooms().getHistoryMaxAge());
		manager.setDeliveryLanes(properties.getDelivery().laneCount(), properties.getDelivery().getMinRoomSize());
		return manager;
	}

	@Bean
	@ConditionalOnMissingBean
	PulseLifecycle pulseLifecycle(SessionManager sessionManager, PulseProperties properties) {
		return new PulseLifecycle(sessionManager, properties);
	}

}
