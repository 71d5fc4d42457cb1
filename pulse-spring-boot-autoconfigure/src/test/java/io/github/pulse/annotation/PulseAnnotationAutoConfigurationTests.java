package io.github.pulse.annotation;

import io.github.pulse.PulseConnection;
import io.github.pulse.autoconfigure.PulseAutoConfiguration;
import io.github.pulse.core.SessionManager;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.web.socket.WebSocketHandler;

import static org.assertj.core.api.Assertions.assertThat;

class PulseAnnotationAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(PulseAnnotationAutoConfiguration.class, PulseAutoConfiguration.class));

	@Test
	void dispatcherIsRegisteredAndFindsHandlerMethodsOnAnyBean() {
		this.contextRunner.withBean(Greeter.class).run((context) -> {
			assertThat(context).hasSingleBean(PulseEventDispatcher.class);
			assertThat(context.getBean(PulseEventDispatcher.class).events()).containsExactly("greet");
		});
	}

	@Test
	void dispatcherIsOneOfTheEngineListeners() {
		this.contextRunner.withBean(Greeter.class).run((context) -> {
			assertThat(context).hasSingleBean(SessionManager.class);
			assertThat(context.getBeanProvider(io.github.pulse.PulseListener.class).orderedStream())
				.contains(context.getBean(PulseEventDispatcher.class));
		});
	}

	@Test
	void userDefinedDispatcherBacksOffTheDefault() {
		this.contextRunner.withBean("custom", PulseEventDispatcher.class).run((context) -> {
			assertThat(context).hasSingleBean(PulseEventDispatcher.class);
			assertThat(context).hasBean("custom");
		});
	}

	@Test
	void disabledPulseRegistersNoDispatcher() {
		this.contextRunner.withPropertyValues("pulse.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(PulseEventDispatcher.class));
	}

	@Test
	void missingSpringWebSocketRegistersNoDispatcher() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(WebSocketHandler.class))
			.run((context) -> assertThat(context).doesNotHaveBean(PulseEventDispatcher.class));
	}

	@Test
	void twoHandlersForTheSameEventFailStartup() {
		this.contextRunner.withBean(Greeter.class).withBean(OtherGreeter.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure())
				.hasMessageContaining("@PulseEvent(\"greet\") is declared twice");
		});
	}

	@Test
	void handlerWithTwoPayloadParametersFailsStartup() {
		this.contextRunner.withBean(Ambiguous.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasMessageContaining("more than one payload parameter");
		});
	}

	static class Greeter {

		@PulseEvent("greet")
		String greet(String name) {
			return "hello " + name;
		}

	}

	static class OtherGreeter {

		@PulseEvent("greet")
		void greet(PulseConnection connection) {
		}

	}

	static class Ambiguous {

		@PulseEvent("two")
		void two(String first, String second) {
		}

	}

}
