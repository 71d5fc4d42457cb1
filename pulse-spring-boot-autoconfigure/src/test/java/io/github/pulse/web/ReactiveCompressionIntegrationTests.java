package io.github.pulse.web;

import io.github.pulse.test.OnNetty;
import org.junit.jupiter.api.Nested;

/**
 * {@link CompressionIntegrationTests} on WebFlux and Reactor Netty: each nested application again, on Netty.
 */
class ReactiveCompressionIntegrationTests extends CompressionIntegrationTests {

	@Nested
	@OnNetty
	class ByDefault extends CompressionIntegrationTests.ByDefault {

	}

	@Nested
	@OnNetty
	class Enabled extends CompressionIntegrationTests.Enabled {

	}

}
