package io.github.pulse.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.pulse.core.PulseExecutors;
import io.github.pulse.core.SessionManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's executors: pulse's own, sized by {@code pulse.threads.*}, virtual with
 * {@code spring.threads.virtual.enabled=true}, the application's when it defines them; pulse closes only its own.
 */
class PulseExecutorsConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(PulseAutoConfiguration.class));

	@Test
	void byDefaultIoRunsOnAPoolOfPlatformThreadsAndTheTimerOnOne() {
		this.contextRunner.run((context) -> {
			PulseExecutors executors = context.getBean(PulseExecutors.class);
			assertThat(executors.isOwned()).isTrue();
			assertThat(executors.io()).isInstanceOfSatisfying(ThreadPoolExecutor.class, (pool) -> {
				assertThat(pool.getMaximumPoolSize()).isEqualTo(32);
				assertThat(pool.getKeepAliveTime(TimeUnit.SECONDS)).isEqualTo(30);
			});
			assertThat(executors.timer()).isInstanceOfSatisfying(ScheduledThreadPoolExecutor.class,
					(timer) -> assertThat(timer.getCorePoolSize()).isOne());
			assertThat(threadOfIoWork(context)).startsWith("pulse-io-");
		});
	}

	@Test
	void propertiesSizeTheIoPool() {
		this.contextRunner.withPropertyValues("pulse.threads.io-pool-size=4", "pulse.threads.io-keep-alive=5")
			.run((context) -> assertThat(context.getBean(PulseExecutors.class).io())
				.isInstanceOfSatisfying(ThreadPoolExecutor.class, (pool) -> {
					assertThat(pool.getMaximumPoolSize()).isEqualTo(4);
					assertThat(pool.getKeepAliveTime(TimeUnit.SECONDS)).isEqualTo(5);
				}));
	}

	@Test
	void pulsesOwnExecutorsAreShutDownWithTheContext() {
		ExecutorService[] own = new ExecutorService[2];
		this.contextRunner.run((context) -> {
			PulseExecutors executors = context.getBean(PulseExecutors.class);
			own[0] = (ExecutorService) executors.io();
			own[1] = executors.timer();
			assertThat(own[0].isShutdown()).isFalse();
			assertThat(own[1].isShutdown()).isFalse();
		});
		assertThat(own[0].isShutdown()).isTrue();
		assertThat(own[1].isShutdown()).isTrue();
	}

	@Test
	void theApplicationsExecutorsAreUsedAndNeverShutDown() {
		this.contextRunner.withUserConfiguration(OwnExecutors.class).run((context) -> {
			assertThat(context).hasSingleBean(PulseExecutors.class);
			OwnExecutors own = context.getBean(OwnExecutors.class);
			assertThat(threadOfIoWork(context)).startsWith("app-io-");
			// the engine's two timer tasks (every session; the acknowledgements owed) are scheduled on the
			// application's scheduler
			assertThat(own.timer.getQueue()).hasSize(2);
			context.close();
			assertThat(own.io.isShutdown()).isFalse();
			assertThat(own.timer.isShutdown()).isFalse();
			assertThat(own.timer.getQueue()).as("timer tasks cancelled").isEmpty();
			own.io.shutdownNow();
			own.timer.shutdownNow();
		});
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void virtualThreadsNeedJava21SoBeforeItThePoolStaysOnPlatformThreads() {
		this.contextRunner.withPropertyValues("spring.threads.virtual.enabled=true")
			.run((context) -> assertThat(context.getBean(PulseExecutors.class).io())
				.isInstanceOf(ThreadPoolExecutor.class));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void withVirtualThreadsIoRunsOnAVirtualThreadPerTaskAndTheTimerStaysOnAPlatformThread() {
		this.contextRunner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
			PulseExecutors executors = context.getBean(PulseExecutors.class);
			assertThat(executors.isOwned()).isTrue();
			assertThat(executors.io()).isInstanceOfSatisfying(SimpleAsyncTaskExecutor.class,
					(io) -> assertThat(io.isActive()).isTrue());
			assertThat(executors.timer()).isInstanceOf(ScheduledThreadPoolExecutor.class);
			assertThat(isVirtual(threadOfIo(context))).isTrue();
			CompletableFuture<Thread> timerThread = new CompletableFuture<>();
			executors.timer().execute(() -> timerThread.complete(Thread.currentThread()));
			assertThat(isVirtual(timerThread.get(10, TimeUnit.SECONDS))).isFalse();
			context.close();
			assertThat(((SimpleAsyncTaskExecutor) executors.io()).isActive()).isFalse();
			assertThat(executors.timer().isShutdown()).isTrue();
		});
	}

	private static String threadOfIoWork(ConfigurableApplicationContext context) throws Exception {
		return threadOfIo(context).getName();
	}

	private static Thread threadOfIo(ConfigurableApplicationContext context) throws Exception {
		CompletableFuture<Thread> thread = new CompletableFuture<>();
		context.getBean(SessionManager.class).ioExecutor().execute(() -> thread.complete(Thread.currentThread()));
		return thread.get(10, TimeUnit.SECONDS);
	}

	/** {@code Thread.isVirtual()}, a Java 21 method, on Java 17 bytecode. */
	static boolean isVirtual(Thread thread) throws ReflectiveOperationException {
		return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnExecutors {

		final ExecutorService io = Executors.newFixedThreadPool(2, (task) -> new Thread(task, "app-io-1"));

		final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);

		OwnExecutors() {
			this.timer.setRemoveOnCancelPolicy(true);
		}

		@Bean
		PulseExecutors myExecutors() {
			return PulseExecutors.of(this.io, this.timer);
		}

	}

}
