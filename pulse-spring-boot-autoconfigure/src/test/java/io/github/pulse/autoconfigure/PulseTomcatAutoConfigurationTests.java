package io.github.pulse.autoconfigure;

import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class PulseTomcatAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(PulseTomcatAutoConfiguration.class));

	private final String saved = System.getProperty(PulseContainerEnvironmentPostProcessor.TOMCAT_BUFFER_PROPERTY);

	@AfterEach
	void restoreSystemProperty() {
		if (this.saved == null) {
			System.clearProperty(PulseContainerEnvironmentPostProcessor.TOMCAT_BUFFER_PROPERTY);
		}
		else {
			System.setProperty(PulseContainerEnvironmentPostProcessor.TOMCAT_BUFFER_PROPERTY, this.saved);
		}
	}

	@Test
	void socketBuffersFollowTheIoBufferSize() {
		this.contextRunner.withPropertyValues("pulse.container.io-buffer-size=4KB").run((context) -> {
			Connector connector = new Connector();
			context.getBean("pulseSocketBufferCustomizer", TomcatConnectorCustomizer.class).customize(connector);
			assertThat(connector.getProperty("socket.appReadBufSize")).hasToString("4096");
			assertThat(connector.getProperty("socket.appWriteBufSize")).hasToString("4096");
		});
	}

	@Test
	void inlineWriteCompletionsAreInstalledOnEveryConnectorUnlessSwitchedOff() {
		this.contextRunner.run((context) -> assertThat(listenersAfterCustomizing(context)).as("default")
			.isEqualTo(1));
		this.contextRunner.withPropertyValues("pulse.container.inline-write-completions=false")
			.run((context) -> assertThat(listenersAfterCustomizing(context)).isZero());
		this.contextRunner.withPropertyValues("pulse.container.gather-writes=false")
			.run((context) -> assertThat(listenersAfterCustomizing(context)).as("only with gathered writes").isZero());
	}

	private static int listenersAfterCustomizing(org.springframework.context.ApplicationContext context) {
		Connector connector = new Connector();
		int before = connector.findLifecycleListeners().length;
		context.getBean("pulseInlineWriteCompletionsCustomizer", TomcatConnectorCustomizer.class).customize(connector);
		return connector.findLifecycleListeners().length - before;
	}

	@Test
	void backsOffWhenDisabledOrWithoutTomcat() {
		this.contextRunner.withPropertyValues("pulse.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TomcatConnectorCustomizer.class));
		this.contextRunner.withClassLoader(new FilteredClassLoader(org.apache.catalina.startup.Tomcat.class))
			.run((context) -> assertThat(context).doesNotHaveBean(TomcatConnectorCustomizer.class));
	}

	@Test
	void webSocketBufferSystemPropertyIsSetUnlessAlreadyPresentOrDisabled() {
		PulseContainerEnvironmentPostProcessor processor = new PulseContainerEnvironmentPostProcessor();
		String property = PulseContainerEnvironmentPostProcessor.TOMCAT_BUFFER_PROPERTY;
		System.clearProperty(property);
		processor.postProcessEnvironment(new MockEnvironment().withProperty("pulse.enabled", "false"),
				new SpringApplication());
		assertThat(System.getProperty(property)).isNull();
		processor.postProcessEnvironment(new MockEnvironment(), new SpringApplication());
		assertThat(System.getProperty(property)).isEqualTo("2048");
		System.setProperty(property, "16384");
		processor.postProcessEnvironment(new MockEnvironment().withProperty("pulse.container.io-buffer-size", "1KB"),
				new SpringApplication());
		assertThat(System.getProperty(property)).isEqualTo("16384");
	}

}
