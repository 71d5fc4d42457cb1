package io.github.pulse.security;

import io.github.pulse.test.OnNetty;
import org.springframework.test.context.TestPropertySource;

/**
 * {@link SecretsNotLoggedIntegrationTests} on WebFlux and Reactor Netty, with WebFlux's HTTP handler adapter and
 * Reactor Netty at DEBUG as well.
 */
@OnNetty
@TestPropertySource(properties = { "logging.level.org.springframework.http.server.reactive=DEBUG",
		"logging.level.org.springframework.web.server=DEBUG", "logging.level.reactor.netty=DEBUG" })
class ReactiveSecretsNotLoggedIntegrationTests extends SecretsNotLoggedIntegrationTests {

}
