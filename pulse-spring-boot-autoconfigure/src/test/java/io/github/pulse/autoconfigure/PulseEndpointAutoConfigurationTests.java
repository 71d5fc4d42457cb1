package io.github.pulse.autoconfigure;

import io.github.pulse.actuate.endpoint.PulseEndpoint;
import io.github.pulse.core.SessionManager;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class PulseEndpointAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(PulseAutoConfiguration.class, PulseEndpointAutoConfiguration.class));

	@Test
	void endpointIsNotCreatedUnlessExposed() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(SessionManager.class)
			.doesNotHaveBean(PulseEndpoint.class));
	}

	@Test
	void endpointIsCreatedWhenExposedOverHttp() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=pulse")
			.run((context) -> assertThat(context).hasSingleBean(PulseEndpoint.class));
	}

	@Test
	void endpointIsNotCreatedWhenAccessIsNone() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=pulse",
					"management.endpoint.pulse.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(PulseEndpoint.class));
	}

	@Test
	void backsOffToAUserDefinedEndpoint() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=pulse")
			.withBean("userEndpoint", PulseEndpoint.class, (Object) null, null)
			.run((context) -> assertThat(context).hasSingleBean(PulseEndpoint.class)
				.hasBean("userEndpoint"));
	}

	@Test
	void backsOffWithoutActuator() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=pulse")
			.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(SessionManager.class)
				.doesNotHaveBean(PulseEndpoint.class));
	}

	@Test
	void backsOffWhenPulseIsDisabled() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=pulse", "pulse.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(PulseEndpoint.class));
	}

	@Test
	void reportsMessageTotalsFromTheMicrometerObserver() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=pulse")
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
					PulseMetricsAutoConfiguration.class))
			.run((context) -> {
				PulseEndpoint.PulseDescriptor overview = context.getBean(PulseEndpoint.class).pulse();
				assertThat(overview.messages().received()).isZero();
				assertThat(overview.draining()).isFalse();
				assertThat(overview.settings()).containsEntry("heartbeatInterval", "PT25S")
					.containsEntry("overflowPolicy", "drop-oldest")
					.containsEntry("idleTimeout", null);
			});
	}

}
