package io.github.pulse.resume;

import io.github.pulse.test.OnNetty;
import org.junit.jupiter.api.Nested;

/**
 * {@link ResumeIntegrationTests} on WebFlux and Reactor Netty: each nested application again, on Netty.
 */
class ReactiveResumeIntegrationTests extends ResumeIntegrationTests {

	@Nested
	@OnNetty
	class Defaults extends ResumeIntegrationTests.Defaults {

	}

	@Nested
	@OnNetty
	class SmallBuffer extends ResumeIntegrationTests.SmallBuffer {

	}

	@Nested
	@OnNetty
	class ShortWindow extends ResumeIntegrationTests.ShortWindow {

	}

}
