package io.github.pulse.autoconfigure;

import java.util.List;

import io.github.pulse.codec.JacksonPulseCodec;
import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.SessionManager;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PulseLifecycleTests {

	@Test
	void lifecycleIsNotPausedWithAnIdleTestContextBecauseStoppingDrainsForGood() {
		PulseProperties properties = new PulseProperties();
		SessionManager manager = new SessionManager(PulseSettingsFactory.create(properties), new JacksonPulseCodec(),
				List.of(), PulseObserver.NOOP, System::nanoTime);
		PulseLifecycle lifecycle = new PulseLifecycle(manager, properties);
		assertThat(lifecycle.isPauseable()).isFalse();
		lifecycle.start();
		lifecycle.stop();
		assertThat(manager.isDraining()).isTrue();
	}

}
