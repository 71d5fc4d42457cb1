package io.github.pulse.autoconfigure;

import io.github.pulse.core.SessionManager;
import io.github.pulse.health.PulseHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code pulse} health indicator: {@code UP} with counts, {@code OUT_OF_SERVICE} while
 * draining at shutdown. Disabled with {@code management.health.pulse.enabled=false}.
 */
@AutoConfiguration(after = PulseAutoConfiguration.class,
		beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(SessionManager.class)
@ConditionalOnEnabledHealthIndicator("pulse")
public final class PulseHealthAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "pulseHealthIndicator")
	PulseHealthIndicator pulseHealthIndicator(SessionManager sessionManager) {
		return new PulseHealthIndicator(sessionManager);
	}

}
