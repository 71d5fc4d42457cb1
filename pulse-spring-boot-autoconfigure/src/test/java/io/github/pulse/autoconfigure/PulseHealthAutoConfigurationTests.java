package io.github.pulse.autoconfigure;

import io.github.pulse.core.SessionManager;
import io.github.pulse.health.PulseHealthIndicator;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class PulseHealthAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(PulseAutoConfiguration.class, PulseHealthAutoConfiguration.class));

	@Test
	void healthIsUpWithCountsWhileRunning() {
		this.contextRunner.run((context) -> {
			Health health = context.getBean("pulseHealthIndicator", HealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("connections", 0)
				.containsEntry("suspended", 0)
				.containsEntry("rooms", 0);
		});
	}

	@Test
	void healthIsOutOfServiceOnceShutdownBegan() {
		this.contextRunner.run((context) -> {
			context.getBean(SessionManager.class).shutdown();
			Health health = context.getBean(PulseHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
			assertThat(health.getDetails()).containsEntry("connections", 0);
		});
	}

	@Test
	void disabledHealthIndicatorIsNotCreated() {
		this.contextRunner.withPropertyValues("management.health.pulse.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(SessionManager.class)
				.doesNotHaveBean(PulseHealthIndicator.class));
	}

	@Test
	void healthIndicatorFollowsTheDefaultsSwitch() {
		this.contextRunner.withPropertyValues("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(PulseHealthIndicator.class));
	}

	@Test
	void backsOffToAUserDefinedIndicatorOfTheSameName() {
		this.contextRunner.withBean("pulseHealthIndicator", HealthIndicator.class, () -> () -> Health.down().build())
			.run((context) -> assertThat(context).doesNotHaveBean(PulseHealthIndicator.class)
				.hasBean("pulseHealthIndicator"));
	}

	@Test
	void backsOffWithoutSpringBootHealth() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(SessionManager.class)
				.doesNotHaveBean(PulseHealthIndicator.class));
	}

}
