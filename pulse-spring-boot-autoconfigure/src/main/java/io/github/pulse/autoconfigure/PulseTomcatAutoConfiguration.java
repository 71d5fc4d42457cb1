package io.github.pulse.autoconfigure;

import org.apache.catalina.startup.Tomcat;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import io.github.pulse.web.TomcatInlineCompletions;
import io.github.pulse.web.TomcatWritePath;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;

/**
 * Tomcat's part of pulse's write path: shrinks the connector's socket read and write buffers to
 * {@code pulse.container.io-buffer-size} (they are held for the whole life of every WebSocket, and larger reads and
 * writes bypass them), runs the completions of pulse's writes inline ({@code pulse.container.inline-write-completions})
 * and logs which write path connections use.
 */
@AutoConfiguration(before = PulseAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ Tomcat.class, TomcatConnectorCustomizer.class })
@ConditionalOnBooleanProperty(name = "pulse.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PulseProperties.class)
public final class PulseTomcatAutoConfiguration {

	private static final Log logger = LogFactory.getLog(PulseTomcatAutoConfiguration.class);

	@Bean
	TomcatConnectorCustomizer pulseSocketBufferCustomizer(PulseProperties properties) {
		String size = Long.toString(properties.getContainer().getIoBufferSize().toBytes());
		return (connector) -> {
			connector.setProperty("socket.appReadBufSize", size);
			connector.setProperty("socket.appWriteBufSize", size);
		};
	}

	@Bean
	TomcatConnectorCustomizer pulseInlineWriteCompletionsCustomizer(PulseProperties properties) {
		boolean inline = inlineWriteCompletions(properties);
		return (connector) -> {
			if (inline) {
				TomcatInlineCompletions.install(connector);
			}
		};
	}

	@Bean
	ApplicationListener<WebServerInitializedEvent> pulseWritePathCheck(PulseProperties properties) {
		boolean gatherWrites = properties.getContainer().isGatherWrites();
		boolean inline = inlineWriteCompletions(properties);
		return (event) -> logger.info("pulse write path: " + TomcatWritePath.describe(gatherWrites, inline));
	}

	/** Inline write completions apply to gathered writes only. */
	private static boolean inlineWriteCompletions(PulseProperties properties) {
		PulseProperties.Container container = properties.getContainer();
		return container.isGatherWrites() && container.isInlineWriteCompletions();
	}

}
