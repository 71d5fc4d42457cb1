package io.github.pulse.bench.load;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Keeps the Socket.IO side of the harness working: the generator speaking Engine.IO 4 / Socket.IO 5 to the Node peer
 * ({@code benchmarks/socketio/server.js}), a tiny fan-out and a tiny echo run. Needs {@code node} on the path (the
 * test is skipped without it) and installs the peer's locked dependencies with {@code npm ci} when they are missing.
 */
class SocketIoSmokeTests {

	private static final File PEER = new File("socketio");

	private Process server;

	private int port;

	@BeforeEach
	void startNodePeer() throws Exception {
		assumeTrue(succeeds(new ProcessBuilder("node", "--version")),
				"node is not installed: the Socket.IO peer cannot run");
		if (!new File(PEER, "node_modules/socket.io").isDirectory()) {
			assumeTrue(succeeds(new ProcessBuilder("npm", "ci", "--prefer-offline", "--no-audit", "--no-fund").directory(PEER)),
					"npm ci failed in benchmarks/socketio: the Socket.IO peer's dependencies are not installed");
		}
		try (ServerSocket socket = new ServerSocket(0)) {
			this.port = socket.getLocalPort();
		}
		this.server = new ProcessBuilder("node", "server.js", Integer.toString(this.port)).directory(PEER)
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.start();
		await().atMost(Duration.ofSeconds(30)).until(this::listening);
	}

	@AfterEach
	void stopNodePeer() throws InterruptedException {
		if (this.server != null) {
			this.server.destroy();
			this.server.waitFor(10, TimeUnit.SECONDS);
		}
	}

	@Test
	void everyBroadcastReachesEverySubscriberWithoutErrors() throws Exception {
		FanOutScenario.Result result = FanOutScenario.run(settings(18, 2, "chat"), (line) -> {
		});

		assertThat(result.connected()).isEqualTo(20);
		assertThat(result.errors()).isEmpty();
		assertThat(result.steps()).hasSize(2).allSatisfy((step) -> {
			assertThat(step.unsent()).isZero();
			assertThat(step.lost()).isZero();
			assertThat(step.p50Millis()).isPositive();
			assertThat(step.serverCpuPercent()).isNotNull();
		});
	}

	@Test
	void everyEchoComesBackToItsSenderOnly() throws Exception {
		FanOutScenario.Result result = FanOutScenario.run(settings(0, 10, "echo"), (line) -> {
		});

		assertThat(result.connected()).isEqualTo(10);
		assertThat(result.errors()).isEmpty();
		assertThat(result.steps()).hasSize(2).allSatisfy((step) -> {
			assertThat(step.unsent()).isZero();
			assertThat(step.lost()).isZero();
			assertThat(step.deliveriesPerSecond()).isLessThan(step.targetRate() * 3);
		});
	}

	private FanOutScenario.Settings settings(int subscribers, int publishers, String event) {
		WireProtocol protocol = WireProtocol.named("socketio", "smoke");
		return new FanOutScenario.Settings("127.0.0.1", this.port, protocol.path(), subscribers, publishers, event,
				List.of(10.0, 20.0), Duration.ZERO, Duration.ofMillis(250), Duration.ofMillis(750), 10_000, 2, 1,
				this.server.pid(), protocol);
	}

	private boolean listening() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 500);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static boolean succeeds(ProcessBuilder command) {
		try {
			Process process = command.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
			return process.waitFor(120, TimeUnit.SECONDS) && process.exitValue() == 0;
		}
		catch (IOException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

}
