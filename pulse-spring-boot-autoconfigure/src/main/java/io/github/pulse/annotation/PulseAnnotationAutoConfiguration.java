package io.github.pulse.annotation;

import io.github.pulse.autoconfigure.PulseAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.socket.WebSocketHandler;

/**
 * Auto-configuration of {@link PulseEvent @PulseEvent} handler methods: a {@link PulseEventDispatcher} listener
 * that the engine picks up with the other {@link io.github.pulse.PulseListener} beans.
 */
@AutoConfiguration(before = PulseAutoConfiguration.class)
@ConditionalOnWebApplication
@ConditionalOnClass(WebSocketHandler.class)
@ConditionalOnBooleanProperty(name = "pulse.enabled", matchIfMissing = true)
public final class PulseAnnotationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	PulseEventDispatcher pulseEventDispatcher() {
		return new PulseEventDispatcher();
	}

}
