package io.github.pulse.autoconfigure;

import io.github.pulse.core.PulseExecutors;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnThreading;
import org.springframework.boot.thread.Threading;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * The engine's executors, unless the application defines a {@link PulseExecutors} bean: I/O work on a pool of
 * {@code pulse.threads.io-pool-size} platform threads, or on a virtual thread per task with
 * {@code spring.threads.virtual.enabled=true}; the timer on one platform thread either way. They are shut down when
 * the context closes (after the engine drained); an application's own executors are not.
 */
final class PulseExecutorsConfigurations {

	private PulseExecutorsConfigurations() {
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnThreading(Threading.PLATFORM)
	static final class PlatformThreadsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		PulseExecutors pulseExecutors(PulseProperties properties) {
			PulseProperties.Threads threads = properties.getThreads();
			return PulseExecutors.create(threads.getIoPoolSize(), threads.getIoKeepAlive());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnThreading(Threading.VIRTUAL)
	static final class VirtualThreadsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		PulseExecutors pulseExecutors() {
			SimpleAsyncTaskExecutor io = new SimpleAsyncTaskExecutor("pulse-io-");
			io.setVirtualThreads(true);
			return PulseExecutors.create(io);
		}

	}

}
