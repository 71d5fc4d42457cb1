package io.github.pulse.autoconfigure;

import io.github.pulse.codec.Jackson2PulseCodec;
import io.github.pulse.codec.JacksonPulseCodec;
import io.github.pulse.codec.PulseCodec;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The codec: Jackson 3 on the application's {@link JsonMapper} whenever Jackson 3 is present (any Spring Boot 4
 * application with the starter), Jackson 2 only where Jackson 2 is alone.
 */
final class PulseCodecConfigurations {

	private PulseCodecConfigurations() {
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(JsonMapper.class)
	static final class JacksonCodecConfiguration {

		@Bean
		@ConditionalOnMissingBean
		PulseCodec pulseCodec(ObjectProvider<JsonMapper> jsonMapper) {
			return new JacksonPulseCodec(jsonMapper.getIfAvailable(JacksonPulseCodec::defaultMapper));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "com.fasterxml.jackson.databind.ObjectMapper")
	@ConditionalOnMissingClass("tools.jackson.databind.json.JsonMapper")
	static final class Jackson2CodecConfiguration {

		@Bean
		@ConditionalOnMissingBean
		PulseCodec pulseCodec(ObjectProvider<com.fasterxml.jackson.databind.ObjectMapper> objectMapper) {
			com.fasterxml.jackson.databind.ObjectMapper mapper = objectMapper.getIfAvailable();
			return (mapper != null) ? new Jackson2PulseCodec(mapper) : new Jackson2PulseCodec();
		}

	}

}
