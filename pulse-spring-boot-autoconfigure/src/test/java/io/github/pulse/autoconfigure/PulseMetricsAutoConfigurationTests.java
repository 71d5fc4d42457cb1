package io.github.pulse.autoconfigure;

import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.SessionManager;
import io.github.pulse.metrics.MicrometerPulseObserver;
import io.github.pulse.metrics.PulseMeterBinder;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class PulseMetricsAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
				PulseAutoConfiguration.class, PulseMetricsAutoConfiguration.class));

	@Test
	void registersTheObserverAndTheGaugesWhenAMeterRegistryExists() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(MicrometerPulseObserver.class).hasSingleBean(PulseMeterBinder.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("pulse.connections.active").gauge().value()).isZero();
			assertThat(registry.get("pulse.connections.opened").counter().count()).isZero();
		});
	}

	@Test
	void sessionManagerReportsToTheMicrometerObserverAlthoughItIsConfiguredFirst() {
		this.contextRunner.run((context) -> {
			context.getBean(SessionManager.class).broadcast("nobody-here", "news", null);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("pulse.broadcasts").counter().count()).isEqualTo(1);
			assertThat(registry.get("pulse.broadcast.recipients").summary().totalAmount()).isZero();
		});
	}

	@Test
	void roomTagsAreOffByDefault() {
		this.contextRunner.run((context) -> {
			context.getBean(SessionManager.class).broadcast("lobby", "news", null);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("pulse.broadcasts").tagKeys("room").counter()).isNull();
		});
	}

	@Test
	void roomTagsPropertyTagsBroadcastsByRoomUpToTheCap() {
		this.contextRunner.withPropertyValues("pulse.metrics.room-tags=true", "pulse.metrics.max-room-tags=2")
			.run((context) -> {
				SessionManager manager = context.getBean(SessionManager.class);
				for (String room : new String[] { "a", "b", "c", "d", "a" }) {
					manager.broadcast(room, "news", null);
				}
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get("pulse.broadcasts").tag("room", "a").counter().count()).isEqualTo(2);
				assertThat(registry.get("pulse.broadcasts").tag("room", "b").counter().count()).isEqualTo(1);
				assertThat(registry.get("pulse.broadcasts").tag("room", "other").counter().count()).isEqualTo(2);
				assertThat(registry.find("pulse.broadcasts").tag("room", "c").counter()).isNull();
			});
	}

	@Test
	void backsOffToAUserDefinedObserverAndBinder() {
		this.contextRunner.withUserConfiguration(UserMeters.class).run((context) -> {
			assertThat(context).doesNotHaveBean(MicrometerPulseObserver.class);
			assertThat(context).getBean(PulseObserver.class).isSameAs(context.getBean("userObserver"));
			assertThat(context).getBean(PulseMeterBinder.class).isSameAs(context.getBean("userBinder"));
		});
	}

	@Test
	void backsOffWithoutAMeterRegistryBean() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(PulseAutoConfiguration.class, PulseMetricsAutoConfiguration.class))
			.run((context) -> assertThat(context).hasSingleBean(SessionManager.class)
				.doesNotHaveBean(MicrometerPulseObserver.class)
				.doesNotHaveBean(PulseMeterBinder.class));
	}

	@Test
	void backsOffWithoutMicrometer() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("io.micrometer.core"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(SessionManager.class)
				.doesNotHaveBean(MicrometerPulseObserver.class)
				.doesNotHaveBean(PulseMeterBinder.class));
	}

	@Test
	void backsOffWhenPulseIsDisabled() {
		this.contextRunner.withPropertyValues("pulse.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(MeterRegistry.class)
				.doesNotHaveBean(MicrometerPulseObserver.class)
				.doesNotHaveBean(PulseMeterBinder.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserMeters {

		@Bean
		PulseObserver userObserver() {
			return new PulseObserver() {
			};
		}

		@Bean
		PulseMeterBinder userBinder(SessionManager sessionManager) {
			return new PulseMeterBinder(sessionManager);
		}

	}

}
