package io.github.pulse.web;

import io.github.pulse.test.OnNetty;
import org.junit.jupiter.api.Nested;

/**
 * {@link SlowConsumerIntegrationTests} on WebFlux and Reactor Netty: each nested application again, on Netty.
 */
class ReactiveSlowConsumerIntegrationTests extends SlowConsumerIntegrationTests {

	@Nested
	@OnNetty
	class Disconnect extends SlowConsumerIntegrationTests.Disconnect {

	}

	@Nested
	@OnNetty
	class DropOldest extends SlowConsumerIntegrationTests.DropOldest {

	}

	@Nested
	@OnNetty
	class DropNewest extends SlowConsumerIntegrationTests.DropNewest {

	}

	@Nested
	@OnNetty
	class WriteTimeout extends SlowConsumerIntegrationTests.WriteTimeout {

	}

}
