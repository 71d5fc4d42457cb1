package io.github.pulse.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.LongStream;

import io.github.pulse.ConnectionState;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine under a deterministic simulation ({@link EngineSimulation}): 10,000 seeded random schedules, each
 * checked after every step. A failing seed is reported with the command that replays exactly that run and the last
 * steps of its trace. {@code -Dpulse.sim.seeds=N} runs another number of seeds, {@code -Dpulse.sim.first-seed=S}
 * starts elsewhere, {@code -Dpulse.sim.seed=S} replays one seed and prints its whole trace.
 */
class EngineSimulationTests {

	static final String REPLAY = "mvn -o -B -q -pl pulse-spring-boot-autoconfigure test "
			+ "-Dtest=EngineSimulationTests#randomSchedulesKeepEveryInvariant -Dsurefire.failIfNoSpecifiedTests=false "
			+ "-Dpulse.sim.seed=";

	@Test
	void randomSchedulesKeepEveryInvariant() {
		Long only = Long.getLong("pulse.sim.seed");
		if (only != null) {
			EngineSimulation.Result result = EngineSimulation.run(only, true);
			System.out.println(result.trace());
			System.out.println(result.coverage());
			assertThat(result.failure()).as(report(result)).isNull();
			return;
		}
		int seeds = Integer.getInteger("pulse.sim.seeds", 10_000);
		long first = Long.getLong("pulse.sim.first-seed", 1);
		int threads = Integer.getInteger("pulse.sim.threads", Math.min(2, Runtime.getRuntime().availableProcessors()));
		long started = System.nanoTime();
		// each run is one thread and one seed; runs are independent, so two of them may run side by side
		List<EngineSimulation.Result> results = new ForkJoinPool(threads).submit(() -> LongStream
			.range(first, first + seeds)
			.parallel()
			.mapToObj((seed) -> EngineSimulation.run(seed, false))
			.toList()).join();
		EngineSimulation.Coverage coverage = new EngineSimulation.Coverage();
		for (EngineSimulation.Result result : results) {
			assertThat(result.failure()).as(report(result)).isNull();
			coverage.add(result.coverage());
		}
		System.out.println("EngineSimulationTests: " + seeds + " seeds on " + threads + " thread(s) in "
				+ (System.nanoTime() - started) / 1_000_000 + " ms: " + coverage);
		if (seeds >= 10_000) {
			// the schedules reach every scenario the engine issue suspected
			assertThat(coverage.resumeInExpiryWindowExact).as("resumes between an expiry decision and its end")
				.isPositive();
			assertThat(coverage.restoreSendBeforeReplay).as("sends from onTransportRestore before the replay")
				.isPositive();
			assertThat(coverage.closingWriteFailed).as("closing sessions whose write failed").isPositive();
			assertThat(coverage.closingPeerGone).as("closing sessions whose peer went away").isPositive();
			assertThat(coverage.oldTokenAfterUnreadResumed).as("resumes with the token before an unread resumed")
				.isPositive();
			assertThat(coverage.deadTokenRefused).as("dead tokens refused").isPositive();
		}
	}

	@Test
	void aSeedReplaysTheSameRun() {
		for (long seed = 1; seed <= 20; seed++) {
			EngineSimulation.Result first = EngineSimulation.run(seed, false);
			EngineSimulation.Result second = EngineSimulation.run(seed, false);
			assertThat(second.fingerprint()).as("trace of seed " + seed).isEqualTo(first.fingerprint());
		}
	}

	// ---- the engine issue's suspicions, as scripts in the same harness (invariants checked after every step)

	@Test
	void aResumeBetweenTheTimersExpiryDecisionAndItsEndKeepsTheSession() {
		Duration window = Duration.ofSeconds(10);
		EngineSimulation sim = scripted(settings(4, 8, window), 1, 0);
		SimClient client = sim.clients.get(0);
		check(sim, () -> {
			sim.step("connect", () -> sim.connect(client, false));
			sim.step("read", () -> client.read(100));
			sim.step("cut", () -> sim.cut(client, "closed"));
			sim.step("advance to the end of the window", () -> sim.now += window.toNanos());
			String token = client.tokens.get(0);
			// the timer decides that the window elapsed; before it ends the session, the client resumes
			sim.atNext("decision", () -> sim.resume(client, token));
			sim.step("tick", sim::tick);
			EngineSimulation.SimSession session = client.session;
			assertThat(sim.coverage.resumeInExpiryWindowExact).isOne();
			assertThat(session.engine.state()).isEqualTo(ConnectionState.OPEN);
			assertThat(session.events).containsExactly("connect", "drop", "restore");
			assertThat(session.engine.transport).isSameAs(client.transport);
			assertThat(client.transport.closesQueued + client.transport.abortsQueued).isZero();
			assertThat(sim.manager.connectionCount()).isOne();
			assertThat(sim.manager.suspendedCount()).isZero();
			sim.step("tick", sim::tick);
			sim.step("read", () -> client.read(100));
			assertThat(client.firstRead).isTrue();
			assertThat(session.engine.state()).isEqualTo(ConnectionState.OPEN);
			sim.finish(true);
		});
	}

	@Test
	void aFrameSentFromOnTransportRestoreNeverEvictsAReplayFrameAnnouncedInResumed() {
		// the replay fills the resume buffer (3); the onTransportRestore listener sends one more before the writer
		// starts
		EngineSimulation sim = scripted(settings(1, 3, Duration.ofSeconds(30)), 1, 1.0);
		SimClient client = sim.clients.get(0);
		check(sim, () -> {
			sim.step("connect", () -> sim.connect(client, false));
			sim.step("read the welcome", () -> client.read(1));
			for (int i = 0; i < 3; i++) {
				sim.step("broadcast", () -> sim.broadcast("r0"));
			}
			sim.step("cut before reading them", () -> sim.cut(client, "closed"));
			sim.step("resume", () -> sim.resume(client, client.tokens.get(0)));
			sim.step("read", () -> client.read(100));
			assertThat(sim.coverage.restoreSendBeforeReplay).isOne();
			assertThat(client.replayEnd).as("resumed announced seq 1 to 3").isEqualTo(3);
			assertThat(client.replayLeft).isZero();
			assertThat(client.lastSeq).isEqualTo(4);
			assertThat(sim.coverage.announcedGaps + sim.coverage.liveGaps).isZero();
			sim.finish(true);
		});
	}

	@Test
	void aClosingSessionLeavesTheFlushingSetWhenItsWriteFailsItsPeerClosesOrItsTransportIsCut() {
		Duration writeTimeout = settings(4, 8, Duration.ofSeconds(30)).writeTimeout();
		for (String ending : List.of("the write fails", "the peer closes", "the transport is cut")) {
			EngineSimulation sim = scripted(settings(4, 8, Duration.ofSeconds(30)), 1, 0);
			SimClient client = sim.clients.get(0);
			check(sim, () -> {
				sim.step("connect", () -> sim.connect(client, false));
				sim.step("read", () -> client.read(100));
				SimTransport transport = client.transport;
				sim.step("stall", () -> sim.stall(client));
				sim.step("broadcast: its write stays in flight", () -> sim.broadcast("r0"));
				sim.step("kick: 4000 goes after the write in flight", () -> sim.kick(client));
				EngineSimulation.SimSession session = client.session;
				assertThat(sim.isFlushing(session)).isTrue();
				switch (ending) {
					case "the write fails" -> sim.step(ending, transport::failHeld);
					case "the peer closes" -> sim.step(ending, () -> sim.clientClose(client));
					default -> {
						sim.step(ending, () -> sim.cut(client, "closed"));
						sim.step("advance by the write timeout", () -> sim.now += writeTimeout.toNanos());
						sim.step("tick", sim::tick);
					}
				}
				assertThat(sim.isFlushing(session)).as(ending).isFalse();
				assertThat(session.engine.transport).as(ending).isNull();
				sim.finish(false);
			});
			assertThat(sim.coverage.closingWriteFailed + sim.coverage.closingPeerGone).as(ending).isOne();
		}
	}

	@Test
	void aCutBeforeTheClientReadsResumedCostsNothingAndTheUnreadTokenCannotForkTheSession() {
		EngineSimulation sim = scripted(settings(4, 8, Duration.ofSeconds(30)), 2, 0);
		SimClient client = sim.clients.get(0);
		SimClient other = sim.clients.get(1);
		check(sim, () -> {
			sim.step("connect", () -> sim.connect(client, false));
			sim.step("broadcast", () -> sim.broadcast("r0"));
			sim.step("read", () -> client.read(100));
			sim.step("cut", () -> sim.cut(client, "closed"));
			sim.step("broadcast while suspended", () -> sim.broadcast("r0"));
			String first = client.tokens.get(0);
			EngineSimulation.SimSession session = client.session;
			sim.step("resume", () -> sim.resume(client, first));
			String unread = session.engine.resumeToken;
			// resumed reached the client's socket, but the connection drops before the client reads it
			sim.step("cut before reading resumed", () -> sim.cut(client, "closed"));
			sim.step("resume again with the token it holds", () -> sim.resume(client, first));
			assertThat(client.transport.session).isSameAs(session.engine);
			sim.step("read", () -> client.read(100));
			assertThat(client.lastSeq).isEqualTo(2);
			assertThat(client.replayEnd).isEqualTo(2);
			// the token of the unread resumed was revoked when the old one was used again
			sim.step("someone resumes with the unread token", () -> sim.resume(other, unread));
			assertThat(other.transport.session).isNotSameAs(session.engine);
			sim.step("it goes away", () -> sim.clientClose(other));
			// any frame on the new transport shows that the client holds the newest token: the old one is spent
			sim.step("ack", () -> sim.ack(client));
			sim.step("someone resumes with the old token", () -> sim.resume(other, first));
			assertThat(other.transport.session).isNotSameAs(session.engine);
			assertThat(session.engine.state()).isEqualTo(ConnectionState.OPEN);
			assertThat(session.engine.transport).isSameAs(client.transport);
			assertThat(sim.coverage.oldTokenAfterUnreadResumed).isOne();
			assertThat(sim.coverage.deadTokenRefused).isEqualTo(2);
			sim.finish(true);
		});
	}

	// ---- engine bugs the simulation found (seeds 182 and 329 of the first runs), reproduced

	@Test
	void repeatedResumesOnStalledTransportsKeepTheRetainedFramesWithinTheResumeAndSendBuffers() {
		// resume buffer 3, send buffer 2: nothing may ever retain more than 5 frames
		EngineSimulation sim = scripted(settings(2, 3, Duration.ofSeconds(30)), 1, 0);
		SimClient client = sim.clients.get(0);
		check(sim, () -> {
			sim.step("connect", () -> sim.connect(client, false));
			sim.step("read the welcome", () -> client.read(1));
			for (int i = 0; i < 3; i++) {
				sim.step("broadcast", () -> sim.broadcast("r0"));
			}
			sim.step("cut before reading them", () -> sim.cut(client, "closed"));
			String token = client.tokens.get(0);
			sim.stallNewTransports = true;
			for (int resume = 0; resume < 3; resume++) {
				// the replay waits behind the stalled resumed frame; two live frames fill the send buffer
				sim.step("resume on a stalled transport", () -> sim.resume(client, token));
				sim.step("broadcast", () -> sim.broadcast("r0"));
				sim.step("broadcast", () -> sim.broadcast("r0"));
				assertThat(client.session.engine.buffer.retainedFrames()).isLessThanOrEqualTo(5);
				if (resume < 2) {
					sim.step("cut before anything arrives", () -> sim.cut(client, "closed"));
				}
			}
			sim.stallNewTransports = false;
			sim.step("release", () -> client.transport.release());
			sim.settle();
			assertThat(client.lastSeq).isEqualTo(9);
			assertThat(client.replayEnd).isEqualTo(7);
			sim.finish(true);
		});
	}

	@Test
	void aKickFromTheReplacedSessionsOnDisconnectDoesNotFailTheConnectThatReplacedIt() {
		EngineSimulation sim = scripted(settings(4, 8, Duration.ofSeconds(30)), 1, 0);
		SimClient client = sim.clients.get(0);
		check(sim, () -> {
			sim.step("connect", () -> sim.connect(client, false));
			sim.step("read", () -> client.read(100));
			EngineSimulation.SimSession first = client.session;
			// a listener reacting to the replaced session's end kicks its id, which is the new session's by then
			sim.atNext("listener", () -> sim.kick(client));
			sim.step("connect again with the same id", () -> sim.connect(client, true));
			EngineSimulation.SimSession second = sim.sim(client.transport.session);
			assertThat(first.events).containsExactly("connect", "disconnect:REPLACED");
			assertThat(second.events).containsExactly("connect", "disconnect:KICKED");
			assertThat(sim.manager.connections()).isEmpty();
			assertThat(sim.manager.roomCount()).isZero();
			sim.finish(false);
		});
	}

	private static PulseSettings settings(int sendFrames, int resumeFrames, Duration window) {
		return new PulseSettings(Duration.ofSeconds(25), Duration.ofSeconds(20), Duration.ofSeconds(5), null,
				Duration.ZERO, sendFrames, 1 << 20, OverflowPolicy.DROP_OLDEST, window, resumeFrames, 4 << 20, -1, 0,
				0, 0);
	}

	/** A script: one room every client is in, every completion inline, no nested step but those it asks for. */
	private static EngineSimulation scripted(PulseSettings settings, int clients, double restoreSendRate) {
		return new EngineSimulation(1, settings,
				new EngineSimulation.Options(clients, 1, 0, 0, 1, restoreSendRate, 0, 0), false);
	}

	private static void check(EngineSimulation sim, Runnable script) {
		try {
			script.run();
		}
		catch (EngineSimulation.Violation ex) {
			throw new AssertionError(ex.getMessage() + "\nlast steps:\n" + sim.trace(), ex);
		}
		assertThat(sim.failure()).as(sim.trace()).isNull();
	}

	static String report(EngineSimulation.Result result) {
		return "seed " + result.seed() + ": " + result.failure() + "\nreplay: " + REPLAY + result.seed()
				+ "\nlast steps:\n" + result.trace();
	}

}
