package io.github.pulse.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The outbound queue while disconnected. The reconnect waits on a virtual clock, so the test decides exactly when
 * the client is disconnected and when it dials again.
 */
class PulseClientOutboundQueueTests {

	static PulseTestServer server;

	final ManualScheduler scheduler = new ManualScheduler();

	final Recorder recorder = new Recorder();

	final List<Integer> echoes = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void startServer() {
		server = PulseTestServer.start();
	}

	@AfterAll
	static void stopServer() throws Exception {
		server.close();
	}

	@AfterEach
	void stopClockedTasks() {
		this.scheduler.advance(Duration.ofMinutes(1));
	}

	private PulseClient disconnectedClient(int capacity) {
		PulseClient client = PulseClient.builder(server.url(""))
			.scheduler(this.scheduler)
			.random(() -> 0.0)
			.heartbeat(Duration.ZERO, Duration.ofSeconds(1))
			.sendQueueCapacity(capacity)
			.listener(this.recorder)
			.on("echo", Integer.class, this.echoes::add)
			.connect();
		server.awaitRegistered(client);
		assertThat(server.proxy().cutAll()).isEqualTo(1);
		await().untilAsserted(() -> assertThat(this.recorder.reconnectAttempts).hasSize(1));
		assertThat(client.state()).isEqualTo(ClientState.RECONNECTING);
		return client;
	}

	@Test
	void sendsQueuedWhileDisconnectedGoOutInOrderAfterTheResume() {
		try (PulseClient client = disconnectedClient(256)) {
			List<CompletableFuture<Void>> futures = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				futures.add(client.send("echo", i));
			}
			assertThat(client.queuedSends()).isEqualTo(200);
			assertThat(futures).noneMatch(CompletableFuture::isDone);
			this.scheduler.advance(this.recorder.reconnectDelays.get(0));
			await().untilAsserted(() -> assertThat(this.echoes).hasSize(200));
			assertThat(this.echoes).containsExactlyElementsOf(IntStream.range(0, 200).boxed().toList());
			assertThat(futures).allSatisfy((future) -> assertThat(future).isCompleted());
			assertThat(this.recorder.restores).singleElement().satisfies((restore) -> assertThat(restore.resumed())
				.isTrue());
			assertThat(client.queuedSends()).isZero();
		}
	}

	@Test
	void fullQueueFailsTheSendVisiblyAndFiresTheCallback() {
		try (PulseClient client = disconnectedClient(5)) {
			List<CompletableFuture<Void>> accepted = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				accepted.add(client.send("echo", i));
			}
			CompletableFuture<Void> refused = client.send("echo", 5);
			assertThat(refused).failsWithin(Duration.ofSeconds(5))
				.withThrowableOfType(Exception.class)
				.withCauseInstanceOf(SendQueueFullException.class);
			assertThat(this.recorder.overflows).as("told before the future failed").containsExactly("echo");
			this.scheduler.advance(this.recorder.reconnectDelays.get(0));
			await().untilAsserted(() -> assertThat(this.echoes).containsExactly(0, 1, 2, 3, 4));
			assertThat(accepted).allSatisfy((future) -> assertThat(future).succeedsWithin(Duration.ofSeconds(5)));
		}
	}

	/**
	 * The refused send's future fails only after the listener was told, even when the callbacks run elsewhere:
	 * here they wait in a held executor, as they wait behind a callback that another thread is running. Before
	 * the fix the future failed at once and a caller that looked at the listener's record found it empty (CI run
	 * of 2026-12-08).
	 */
	@Test
	void aRefusedSendFailsOnlyAfterTheListenerWasTold() {
		List<Runnable> held = new CopyOnWriteArrayList<>();
		AtomicBoolean holding = new AtomicBoolean();
		Executor executor = (task) -> {
			if (holding.get()) {
				held.add(task);
			}
			else {
				task.run();
			}
		};
		try (PulseClient client = PulseClient.builder(server.url(""))
			.scheduler(this.scheduler)
			.heartbeat(Duration.ZERO, Duration.ofSeconds(1))
			.sendQueueCapacity(1)
			.callbackExecutor(executor)
			.listener(this.recorder)
			.connect()) {
			server.awaitRegistered(client);
			server.proxy().blackhole(true);
			client.send("echo", 1);
			await().until(() -> client.unconfirmedSends() + client.queuedSends() == 1);
			holding.set(true);
			List<Integer> toldWhenItFailed = new CopyOnWriteArrayList<>();
			CompletableFuture<Void> refused = client.send("echo", 2);
			refused.whenComplete((ignored, failure) -> toldWhenItFailed.add(this.recorder.overflows.size()));
			assertThat(refused).as("waits for the listener").isNotDone();
			holding.set(false);
			held.forEach(Runnable::run);
			assertThat(refused).failsWithin(Duration.ZERO)
				.withThrowableOfType(Exception.class)
				.withCauseInstanceOf(SendQueueFullException.class);
			assertThat(toldWhenItFailed).containsExactly(1);
		}
		finally {
			server.proxy().blackhole(false);
		}
	}

	@Test
	void closeDiscardsWhatIsQueuedWhileDisconnected() {
		PulseClient client = disconnectedClient(256);
		CompletableFuture<Void> first = client.send("echo", 1);
		CompletableFuture<Void> second = client.send("echo", 2);
		client.close();
		assertThat(client.state()).isEqualTo(ClientState.CLOSED);
		assertThat(List.of(first, second)).allSatisfy((future) -> assertThat(future).failsWithin(Duration.ZERO)
			.withThrowableOfType(Exception.class)
			.withCauseInstanceOf(ClientClosedException.class));
		assertThat(client.queuedSends()).isZero();
		assertThat(this.recorder.closes).containsExactly(new CloseReason(1000, "closed by client"));
		this.scheduler.advance(Duration.ofMinutes(1));
		assertThat(this.echoes).isEmpty();
		assertThat(this.recorder.states).containsExactly(ClientState.OPEN, ClientState.RECONNECTING,
				ClientState.CLOSED);
	}

}
