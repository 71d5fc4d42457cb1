package io.github.pulse.web;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.pulse.core.PulseExecutors;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.TestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With {@code spring.threads.virtual.enabled=true} (Java 21 and later) the engine's I/O work, here the close frame
 * of a kicked connection, runs on virtual threads, through a real server and client.
 */
@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.threads.virtual.enabled=true")
@Import(VirtualThreadsIntegrationTests.RecordingIoThreads.class)
@EnabledForJreRange(min = JRE.JAVA_21)
class VirtualThreadsIntegrationTests extends PulseIntegrationTest {

	static final List<Thread> IO_THREADS = new CopyOnWriteArrayList<>();

	@Test
	void theCloseFrameOfAKickedConnectionIsWrittenOnAVirtualThread() throws Exception {
		try (Connected alice = connect("?room=virtual")) {
			IO_THREADS.clear();
			assertThat(this.manager.kick(alice.id())).isTrue();
			TestClient.Close close = alice.client().awaitClose(Duration.ofSeconds(10));
			assertThat(close.code()).isEqualTo(4000);
			await().until(() -> !IO_THREADS.isEmpty());
			for (Thread thread : IO_THREADS) {
				assertThat((boolean) Thread.class.getMethod("isVirtual").invoke(thread)).as(thread.toString()).isTrue();
				assertThat(thread.getName()).startsWith("pulse-io-");
			}
		}
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class RecordingIoThreads {

		/** Notes the thread of each I/O task, on pulse's own executor (left in place, so pulse still owns it). */
		@Bean
		static BeanPostProcessor recordIoThreads() {
			return new BeanPostProcessor() {

				@Override
				public Object postProcessAfterInitialization(Object bean, String beanName) {
					if (bean instanceof PulseExecutors executors && executors.io() instanceof SimpleAsyncTaskExecutor io) {
						io.setTaskDecorator((task) -> () -> {
							IO_THREADS.add(Thread.currentThread());
							task.run();
						});
					}
					return bean;
				}

			};
		}

	}

}
