package io.github.pulse.client;

import java.net.http.HttpClient;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The HTTP client and the timer thread shared by every {@link PulseClient} that does not bring its own, created on
 * first use. Sharing them keeps the thread count flat however many clients a process opens.
 */
final class SharedResources {

	private SharedResources() {
	}

	static HttpClient httpClient() {
		return HttpClientHolder.CLIENT;
	}

	static ScheduledExecutorService scheduler() {
		return SchedulerHolder.SCHEDULER;
	}

	private static final class HttpClientHolder {

		static final HttpClient CLIENT = HttpClient.newHttpClient();

	}

	private static final class SchedulerHolder {

		static final ScheduledExecutorService SCHEDULER = create();

		private static ScheduledExecutorService create() {
			ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (task) -> {
				Thread thread = new Thread(task, "pulse-client-timer");
				thread.setDaemon(true);
				return thread;
			});
			executor.setRemoveOnCancelPolicy(true);
			return executor;
		}

	}

}
