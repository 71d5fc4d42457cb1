package io.github.pulse.test;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.boot.reactor.netty.NettyWebServer;
import org.springframework.boot.web.server.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.test.context.junit.jupiter.SpringExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks that the application context of an {@link OnNetty} test runs on Reactor Netty.
 */
class NettyServerCheck implements BeforeAllCallback {

	@Override
	public void beforeAll(ExtensionContext context) {
		if (!AnnotatedElementUtils.hasAnnotation(context.getRequiredTestClass(), SpringBootTest.class)) {
			// an outer class whose @Nested classes carry the application contexts
			return;
		}
		ApplicationContext application = SpringExtension.getApplicationContext(context);
		assertThat(application).isInstanceOf(ReactiveWebServerApplicationContext.class);
		assertThat(((ReactiveWebServerApplicationContext) application).getWebServer())
			.isInstanceOf(NettyWebServer.class);
	}

}
