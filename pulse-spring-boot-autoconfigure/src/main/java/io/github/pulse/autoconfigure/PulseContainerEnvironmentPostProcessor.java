package io.github.pulse.autoconfigure;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.unit.DataSize;

/**
 * Sizes Tomcat's per-WebSocket input, output and encoder buffers ({@code pulse.container.io-buffer-size}, 2 KiB
 * instead of 8 KiB each). Tomcat reads this only from a system property, once, when its WebSocket classes load, so
 * it is set here, before the web server starts; a value already set on the command line wins.
 */
class PulseContainerEnvironmentPostProcessor implements EnvironmentPostProcessor {

	static final String TOMCAT_BUFFER_PROPERTY = "org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!environment.getProperty("pulse.enabled", Boolean.class, true)
				|| System.getProperty(TOMCAT_BUFFER_PROPERTY) != null) {
			return;
		}
		DataSize size = environment.getProperty("pulse.container.io-buffer-size", DataSize.class,
				DataSize.ofKilobytes(2));
		if (size.toBytes() >= 512 && size.toBytes() <= 1024 * 1024) {
			System.setProperty(TOMCAT_BUFFER_PROPERTY, Long.toString(size.toBytes()));
		}
	}

}
