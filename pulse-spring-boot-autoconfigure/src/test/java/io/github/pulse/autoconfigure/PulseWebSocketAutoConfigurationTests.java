package io.github.pulse.autoconfigure;

import io.github.pulse.web.CompressionOfferFilter;
import io.github.pulse.web.PulseHandshakeInterceptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The handshake settings of {@link PulseWebSocketAutoConfiguration}: subprotocols, compression and the per-address
 * limits, with their defaults and the startup failures naming a wrong property.
 */
class PulseWebSocketAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(PulseAutoConfiguration.class, PulseWebSocketAutoConfiguration.class));

	@Test
	void defaultsOfferPulseV1DeclineCompressionAndSetNoPerAddressLimit() {
		this.contextRunner.run((context) -> {
			PulseProperties properties = context.getBean(PulseProperties.class);
			assertThat(properties.getSubprotocols()).containsExactly("pulse.v1");
			assertThat(properties.getCompression().isEnabled()).isFalse();
			assertThat(properties.getMaxConnectionsPerAddress()).isEqualTo(-1);
			assertThat(properties.getHandshake().getRate()).isZero();
			assertThat(context).hasSingleBean(PulseHandshakeInterceptor.class);
			assertThat(compressionFilters(context)).isEqualTo(1);
		});
	}

	@Test
	void compressionEnabledLeavesTheOfferToTheContainer() {
		this.contextRunner.withPropertyValues("pulse.compression.enabled=true")
			.run((context) -> assertThat(compressionFilters(context)).isZero());
	}

	@Test
	void subprotocolsAndLimitsAreBound() {
		this.contextRunner
			.withPropertyValues("pulse.subprotocols=pulse.v2,pulse.v1", "pulse.max-connections-per-address=4",
					"pulse.handshake.rate=0.5", "pulse.handshake.burst=3", "pulse.handshake.max-addresses=50")
			.run((context) -> {
				PulseProperties properties = context.getBean(PulseProperties.class);
				assertThat(properties.getSubprotocols()).containsExactly("pulse.v2", "pulse.v1");
				assertThat(properties.getMaxConnectionsPerAddress()).isEqualTo(4);
				assertThat(properties.getHandshake().getBurst()).isEqualTo(3);
				assertThat(properties.getHandshake().getMaxAddresses()).isEqualTo(50);
			});
	}

	@ParameterizedTest(name = "{0}={1}")
	@CsvSource(delimiter = '|', value = {
			"pulse.subprotocols                | ''                | pulse.subprotocols ([]) must list at least one subprotocol",
			"pulse.subprotocols                | pulse.v1,pulse v2 | pulse.subprotocols ([pulse.v1, pulse v2]) must be HTTP tokens",
			"pulse.subprotocols                | pulse.v1,pulse.v1 | pulse.subprotocols ([pulse.v1, pulse.v1]) must not list a subprotocol twice",
			"pulse.max-connections-per-address | 0                 | pulse.max-connections-per-address (0) must be positive, or -1 for no limit",
			"pulse.max-connections-per-address | -2                | pulse.max-connections-per-address (-2) must be positive, or -1 for no limit",
			"pulse.handshake.rate              | -1                | pulse.handshake.rate (-1.0) must be zero (no limit) or a positive number",
			"pulse.handshake.rate              | NaN               | pulse.handshake.rate (NaN) must be zero (no limit) or a positive number",
			"pulse.handshake.burst             | 0                 | pulse.handshake.burst (0) must be at least 1",
			"pulse.handshake.max-addresses     | 0                 | pulse.handshake.max-addresses (0) must be positive" })
	void invalidHandshakeSettingFailsStartupNamingTheProperty(String property, String value, String message) {
		this.contextRunner.withPropertyValues(property + "=" + value).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining(message);
		});
	}

	private static long compressionFilters(org.springframework.context.ApplicationContext context) {
		return context.getBeansOfType(FilterRegistrationBean.class)
			.values()
			.stream()
			.filter((registration) -> registration.getFilter() instanceof CompressionOfferFilter)
			.count();
	}

}
