package io.github.pulse.autoconfigure;

import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.SessionManager;
import io.github.pulse.metrics.MicrometerPulseObserver;
import io.github.pulse.metrics.PulseMeterBinder;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the pulse Micrometer meters, when a {@link MeterRegistry} exists. The observer is a bean
 * definition of this configuration by the time the engine is instantiated, so the engine's
 * {@code ObjectProvider<PulseObserver>} finds it although this configuration is processed after the engine's.
 */
@AutoConfiguration(after = PulseAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ MeterRegistry.class, SessionManager.class })
public final class PulseMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(PulseObserver.class)
	MicrometerPulseObserver pulseObserver(MeterRegistry registry, PulseProperties properties) {
		PulseProperties.Metrics metrics = properties.getMetrics();
		return new MicrometerPulseObserver(registry, metrics.isRoomTags(), metrics.getMaxRoomTags());
	}

	@Bean
	@ConditionalOnMissingBean
	PulseMeterBinder pulseMeterBinder(SessionManager sessionManager) {
		return new PulseMeterBinder(sessionManager);
	}

}
