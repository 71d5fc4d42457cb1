package io.github.pulse.web;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.github.pulse.core.SessionManager;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.TestClient;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;
import org.apache.tomcat.util.threads.TaskQueue;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Completions of pulse's writes run on the writing thread while a pulse write is on its stack, and nothing else
 * does: the wrapper on the connector's executor, then a real Tomcat with real clients.
 */
class TomcatInlineCompletionsTests {

	/** Stands for Tomcat's OnResultRunnable in the unit tests. */
	private static final class Completion implements Runnable {

		private final Runnable body;

		Completion(Runnable body) {
			this.body = body;
		}

		@Override
		public void run() {
			this.body.run();
		}

	}

	private final List<Runnable> dispatched = new CopyOnWriteArrayList<>();

	private final TomcatInlineCompletions.InlineExecutor executor = new TomcatInlineCompletions.InlineExecutor(
			this.dispatched::add, Completion.class);

	@Test
	void aCompletionDuringAPulseWriteRunsOnTheWritingThreadAndWhatItDispatchesIsNotRunInline() {
		List<String> ran = new ArrayList<>();
		Thread writer = Thread.currentThread();
		boolean outer = TomcatInlineCompletions.enter();
		try {
			this.executor.execute(new Completion(() -> {
				ran.add((Thread.currentThread() == writer) ? "inline" : "elsewhere");
				// Tomcat's next queued part, written by the completion: its completion must not nest
				this.executor.execute(new Completion(() -> ran.add("nested")));
			}));
			assertThat(ran).containsExactly("inline");
			assertThat(this.dispatched).hasSize(1);
			// back in the write: the scope is still open for the next write of this call
			this.executor.execute(new Completion(() -> ran.add("second")));
		}
		finally {
			TomcatInlineCompletions.exit(outer);
		}
		assertThat(ran).containsExactly("inline", "second");
		assertThat(this.executor.inline.sum()).isEqualTo(2);
	}

	@Test
	void outsideAPulseWriteAndForAnyOtherTaskTheExecutorIsTomcats() {
		List<String> ran = new ArrayList<>();
		this.executor.execute(new Completion(() -> ran.add("completion")));
		boolean outer = TomcatInlineCompletions.enter();
		try {
			this.executor.execute(() -> ran.add("request"));
		}
		finally {
			TomcatInlineCompletions.exit(outer);
		}
		assertThat(ran).isEmpty();
		assertThat(this.dispatched).hasSize(2);
		assertThat(this.executor.inline.sum()).isZero();
	}

	@Test
	void aCompletionThatThrowsIsLoggedAndTheWriteOnTheStackGoesOn() {
		boolean outer = TomcatInlineCompletions.enter();
		try {
			this.executor.execute(new Completion(() -> {
				throw new IllegalStateException("handler failed");
			}));
			List<String> ran = new ArrayList<>();
			this.executor.execute(new Completion(() -> ran.add("next")));
			assertThat(ran).containsExactly("next");
		}
		finally {
			TomcatInlineCompletions.exit(outer);
		}
		this.executor.execute(new Completion(() -> {
		}));
		assertThat(this.dispatched).as("the scope ended with the write").hasSize(1);
	}

	@Test
	void theWrapperReportsAndResizesTomcatsPool() {
		TaskQueue queue = new TaskQueue();
		// no core threads: nothing starts or runs behind the assertions' backs
		ThreadPoolExecutor pool = new ThreadPoolExecutor(0, 7, 60, TimeUnit.SECONDS, queue);
		queue.setParent(pool);
		try {
			TomcatInlineCompletions.InlineExecutor wrapper = new TomcatInlineCompletions.InlineExecutor(pool,
					Completion.class);
			assertThat(wrapper.getMaxThreads()).isEqualTo(7);
			assertThat(wrapper.getPoolSize()).isZero();
			assertThat(wrapper.getActiveCount()).isZero();
			assertThat(wrapper.resizePool(3, 9)).isTrue();
			assertThat(pool.getCorePoolSize()).isEqualTo(3);
			assertThat(wrapper.getMaxThreads()).isEqualTo(9);
			assertThat(wrapper.resizeQueue(10)).as("Tomcat's pool cannot resize its queue").isFalse();
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void onTomcatBroadcastCompletionsRunInlineThePoolStaysTomcatsAndIsShutDownWithIt() {
		ConfigurableApplicationContext context = start("server.tomcat.threads.max=37");
		Executor pool;
		try {
			Connector connector = connector(context);
			TomcatInlineCompletions.InlineExecutor wrapper = TomcatInlineCompletions.installedOn(connector);
			assertThat(wrapper).as("installed on the running connector").isNotNull();
			pool = wrapper.delegate;
			AbstractProtocol<?> protocol = (AbstractProtocol<?>) connector.getProtocolHandler();
			assertThat(protocol.getMaxThreads()).as("Tomcat still owns and reports its pool").isEqualTo(37);
			SessionManager manager = context.getBean(SessionManager.class);
			URI uri = URI.create("ws://localhost:" + port(context) + "/pulse?room=inline");
			List<TestClient> clients = new ArrayList<>();
			try {
				for (int i = 0; i < 20; i++) {
					TestClient client = TestClient.connect(uri);
					client.nextOfType("welcome");
					clients.add(client);
				}
				long before = wrapper.inline.sum();
				for (int n = 1; n <= 50; n++) {
					manager.broadcast("inline", "tick", n);
				}
				for (TestClient client : clients) {
					for (int n = 1; n <= 50; n++) {
						assertThat(client.nextOfType("message").path("payload").asInt()).isEqualTo(n);
					}
				}
				assertThat(wrapper.inline.sum() - before).as("completions run on the writing thread").isPositive();
			}
			finally {
				clients.forEach(TestClient::close);
			}
		}
		finally {
			context.close();
		}
		ThreadPoolExecutor tomcatPool = (ThreadPoolExecutor) pool;
		Awaitility.await().untilAsserted(() -> assertThat(tomcatPool.isTerminated()).isTrue());
	}

	@Test
	void switchedOffTheConnectorKeepsItsExecutor() {
		ConfigurableApplicationContext context = start("pulse.container.inline-write-completions=false");
		try {
			Connector connector = connector(context);
			assertThat(TomcatInlineCompletions.installedOn(connector)).isNull();
			assertThat(((AbstractProtocol<?>) connector.getProtocolHandler()).getExecutor())
				.isInstanceOf(ThreadPoolExecutor.class);
		}
		finally {
			context.close();
		}
	}

	private static ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(ChatTestApplication.class).properties("server.port=0")
			.properties(properties)
			.run();
	}

	private static Connector connector(ConfigurableApplicationContext context) {
		TomcatWebServer server = (TomcatWebServer) ((WebServerApplicationContext) context).getWebServer();
		return server.getTomcat().getConnector();
	}

	private static int port(ConfigurableApplicationContext context) {
		return ((WebServerApplicationContext) context).getWebServer().getPort();
	}

}
