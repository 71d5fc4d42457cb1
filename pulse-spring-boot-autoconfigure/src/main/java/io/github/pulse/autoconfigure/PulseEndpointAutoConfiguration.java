package io.github.pulse.autoconfigure;

import io.github.pulse.actuate.endpoint.PulseEndpoint;
import io.github.pulse.core.SessionManager;
import io.github.pulse.metrics.PulseMessageTotals;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the Actuator {@code pulse} endpoint, when Actuator is present and the endpoint is
 * available (access not {@code none} and exposed, for example with
 * {@code management.endpoints.web.exposure.include=pulse}).
 */
@AutoConfiguration(after = { PulseAutoConfiguration.class, PulseMetricsAutoConfiguration.class })
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnBean(SessionManager.class)
@ConditionalOnAvailableEndpoint(PulseEndpoint.class)
public final class PulseEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	PulseEndpoint pulseEndpoint(SessionManager sessionManager, ObjectProvider<PulseMessageTotals> messageTotals) {
		return new PulseEndpoint(sessionManager, messageTotals.getIfAvailable());
	}

}
