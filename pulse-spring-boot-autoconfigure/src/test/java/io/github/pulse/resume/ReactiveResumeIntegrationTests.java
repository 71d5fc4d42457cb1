package io.github.pulse.resume;

import io.github.pulse.test.OnNetty;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link ResumeIntegrationTests} on WebFlux and Reactor Netty: each nested application again, on Netty.
 */
class ReactiveResumeIntegrationTests extends ResumeIntegrationTests {

	@Nested
	@OnNetty
	class Defaults extends ResumeIntegrationTests.Defaults {

		@Override
		@Test
		@Disabled("Known race on Netty, issue 15: a kick that lands while a resume's upgrade completes can end the "
				+ "session before the resumed frame is written, and the client then gets no frame at all (seen once in "
				+ "20 rounds under load, in .ci/run; passes on Tomcat). To be found and fixed, not retried")
		void resumeRacingAKickEndsTheSessionExactlyOnce() throws Exception {
			super.resumeRacingAKickEndsTheSessionExactlyOnce();
		}

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
