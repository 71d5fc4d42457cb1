package io.github.pulse.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseCloseStatus;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.codec.JacksonPulseCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The races a read of the engine suspected (issue 14), each reproduced at the point where the threads meet: the
 * interleaving is built by hand (a decision taken, then the competing transition, then the decision carried out),
 * and where threads can race for real, they do, many times.
 */
class EngineRaceTests {

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());

	private final List<PulseListener> extra = new ArrayList<>();

	private SessionManager manager;

	private SessionManager manager(PulseSettings settings) {
		PulseListener recorder = new PulseListener() {
			@Override
			public void onDisconnect(PulseConnection connection, DisconnectReason reason,
					@org.jspecify.annotations.Nullable PulseCloseStatus closeStatus) {
				EngineRaceTests.this.events.add("disconnect:" + reason);
			}
		};
		List<PulseListener> listeners = new ArrayList<>(this.extra);
		listeners.add(recorder);
		this.manager = new SessionManager(settings, new JacksonPulseCodec(), listeners, PulseObserver.NOOP,
				this.now::get);
		// closes and aborts happen at once, on the calling thread
		this.manager.setExecutor(Runnable::run);
		return this.manager;
	}

	@AfterEach
	void stop() {
		if (this.manager != null) {
			this.manager.shutdown();
		}
	}

	static PulseSettings settings(int sendFrames, int resumeFrames) {
		PulseSettings d = PulseSettings.defaults();
		return new PulseSettings(d.heartbeatInterval(), d.heartbeatTimeout(), d.writeTimeout(), null,
				Duration.ofMillis(100), sendFrames, d.sendBufferBytes(), d.overflowPolicy(), Duration.ofSeconds(30),
				resumeFrames, d.resumeBufferBytes(), -1);
	}

	private PulseSession open(FakeTransport transport) {
		return (PulseSession) this.manager.open(transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
	}

	// ---- 1. resume against expiry

	@Test
	void anExpiryDecidedBeforeAResumeCannotEndTheResumedSession() {
		SessionManager manager = manager(settings(256, 1024));
		FakeTransport first = new FakeTransport();
		PulseSession session = open(first);
		String token = SessionManagerTests.token(first.texts.get(0));
		manager.onTransportClosed(session, first, PulseCloseStatus.NO_CLOSE_FRAME);
		// the timer decides, under the session's lock, that the window has elapsed ...
		long decidedAt;
		synchronized (session.lock) {
			assertThat(session.state).isEqualTo(ConnectionState.SUSPENDED);
			decidedAt = session.epoch;
		}
		// ... a resume lands before the timer carries the decision out ...
		FakeTransport second = new FakeTransport();
		assertThat(manager.open(second, ConnectDecision.accept(List.of("lobby")), null, token, 0)).isSameAs(session);
		// ... and then it does: the transition no longer applies
		assertThat(manager.states().end(session, decidedAt, DisconnectReason.RESUME_EXPIRED, null, false)).isFalse();
		assertThat(session.state()).isEqualTo(ConnectionState.OPEN);
		assertThat(session.transport()).isSameAs(second);
		assertThat(this.events).isEmpty();
		manager.broadcast("lobby", "after", 1);
		assertThat(second.messages()).hasSize(1);
		assertThat(manager.connectionCount()).isOne();
		assertThat(manager.suspendedCount()).isZero();
	}

	@Test
	void anEndWithoutStatusNeverLeavesASocketAttachedToNothing() {
		SessionManager manager = manager(settings(256, 1024));
		FakeTransport transport = new FakeTransport();
		PulseSession session = open(transport);
		assertThat(manager.states().end(session, SessionStates.ANY_EPOCH, DisconnectReason.RESUME_EXPIRED, null,
				false)).isTrue();
		assertThat(transport.aborts).isOne();
	}

	@Test
	void resumesRacingTheTimerAtTheEndOfTheWindowEitherResumeOrExpireButNeverBoth() throws Exception {
		PulseSettings d = settings(256, 1024);
		SessionManager manager = new SessionManager(d, new JacksonPulseCodec(), List.of(), PulseObserver.NOOP,
				this.now::get);
		this.manager = manager;
		manager.setExecutor(Runnable::run);
		long window = d.resumeWindow().toNanos();
		CyclicBarrier start = new CyclicBarrier(2);
		int resumed = 0;
		int expired = 0;
		for (int i = 0; i < 2000; i++) {
			FakeTransport first = new FakeTransport();
			PulseSession session = open(first);
			String token = SessionManagerTests.token(first.texts.get(0));
			manager.onTransportClosed(session, first, PulseCloseStatus.NO_CLOSE_FRAME);
			this.now.addAndGet(window);
			FakeTransport second = new FakeTransport();
			AtomicReference<PulseConnection> result = new AtomicReference<>();
			Thread resumer = new Thread(() -> {
				await(start);
				result.set(manager.open(second, ConnectDecision.accept(List.of("lobby")), null, token, 0));
			});
			resumer.start();
			await(start);
			manager.tick();
			resumer.join();
			if (result.get() == session) {
				resumed++;
				assertThat(session.state()).as("run %d", i).isEqualTo(ConnectionState.OPEN);
				assertThat(session.transport()).as("run %d", i).isSameAs(second);
				assertThat(second.aborts + second.closes.size()).as("run %d", i).isZero();
			}
			else {
				expired++;
				assertThat(session.state()).as("run %d", i).isEqualTo(ConnectionState.CLOSED);
				assertThat(second.texts.get(0)).as("run %d", i).contains("\"resumeFailed\":\"expired\"");
			}
			manager.kick(result.get().id());
			assertThat(manager.connectionCount()).as("run %d", i).isZero();
			assertThat(manager.suspendedCount()).as("run %d", i).isZero();
		}
		assertThat(resumed + expired).isEqualTo(2000);
	}

	private static void await(CyclicBarrier barrier) {
		try {
			barrier.await();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	// ---- 2. replayed frames and the resume buffer

	@Test
	void aFrameSentBeforeTheWriterStartsCannotEvictAReplayAnnouncedInResumed() {
		// a listener sends on restore, after the replay is set up and before the writer starts
		this.extra.add(new PulseListener() {
			@Override
			public void onTransportRestore(PulseConnection connection) {
				connection.send("restored", "hello");
			}
		});
		SessionManager manager = manager(settings(4, 4));
		FakeTransport first = new FakeTransport();
		PulseSession session = open(first);
		String token = SessionManagerTests.token(first.texts.get(0));
		for (int i = 1; i <= 4; i++) {
			manager.broadcast("lobby", "m", i);
		}
		manager.onTransportClosed(session, first, PulseCloseStatus.NO_CLOSE_FRAME);
		FakeTransport second = new FakeTransport();
		manager.open(second, ConnectDecision.accept(List.of("lobby")), null, token, 0);
		assertThat(second.texts.get(0)).contains("\"replayed\":4,\"missed\":0");
		assertThat(seqs(second)).containsExactly(1L, 2L, 3L, 4L, 5L);
		// what is retained is bounded by the resume buffer plus the send buffer
		synchronized (session.lock) {
			assertThat(session.buffer.retainedFrames()).isLessThanOrEqualTo(4 + 4);
		}
	}

	@Test
	void whileSuspendedTheOldestFramesGoAndAreCountedInMissed() {
		SessionManager manager = manager(settings(4, 4));
		FakeTransport first = new FakeTransport();
		PulseSession session = open(first);
		String token = SessionManagerTests.token(first.texts.get(0));
		manager.onTransportClosed(session, first, PulseCloseStatus.NO_CLOSE_FRAME);
		for (int i = 1; i <= 6; i++) {
			manager.broadcast("lobby", "m", i);
		}
		FakeTransport second = new FakeTransport();
		manager.open(second, ConnectDecision.accept(List.of("lobby")), null, token, 0);
		assertThat(second.texts.get(0)).contains("\"replayed\":4,\"missed\":2");
		assertThat(seqs(second)).containsExactly(3L, 4L, 5L, 6L);
	}

	private static List<Long> seqs(FakeTransport transport) {
		return transport.messages()
			.stream()
			.map((text) -> Long.parseLong(text, 24, text.indexOf(',', 24), 10))
			.toList();
	}

	// ---- 3. a close waiting for a write in flight

	/** A session kicked while a write is in flight on its transport: its close frame waits for that write. */
	private PulseSession kickedWithAWriteInFlight(FakeTransport transport) {
		SessionManager manager = manager(settings(256, 1024));
		PulseSession session = open(transport);
		transport.stall();
		session.send("big", "x");
		manager.kick(session.id());
		return session;
	}

	@Test
	void aClosingSessionWhoseWriteFailsLeavesTheFlushingSet() {
		FakeTransport transport = new FakeTransport();
		PulseSession session = kickedWithAWriteInFlight(transport);
		SessionManager manager = this.manager;
		assertThat(manager.flushingCount()).isOne();
		transport.fail();
		assertThat(manager.flushingCount()).isZero();
		assertThat(transport.aborts).isOne();
		assertThat(transport.closes).isEmpty();
		assertThat(this.events).containsExactly("disconnect:KICKED");
	}

	@Test
	void aClosingSessionWhosePeerClosesFirstLeavesTheFlushingSet() {
		FakeTransport transport = new FakeTransport();
		PulseSession session = kickedWithAWriteInFlight(transport);
		SessionManager manager = this.manager;
		assertThat(manager.flushingCount()).isOne();
		manager.onTransportClosed(session, transport, PulseCloseStatus.NORMAL);
		assertThat(manager.flushingCount()).isZero();
		transport.release();
		assertThat(transport.closes).isEmpty();
		assertThat(this.events).containsExactly("disconnect:KICKED");
	}

	@Test
	void aClosingSessionWhoseWriteStallsIsDroppedAfterTheWriteTimeoutWithoutACloseFrame() {
		FakeTransport transport = new FakeTransport();
		kickedWithAWriteInFlight(transport);
		SessionManager manager = this.manager;
		this.now.addAndGet(PulseSettings.defaults().writeTimeout().toNanos() - 1);
		manager.tick();
		assertThat(manager.flushingCount()).isOne();
		this.now.addAndGet(1);
		manager.tick();
		assertThat(manager.flushingCount()).isZero();
		assertThat(transport.aborts).isOne();
		assertThat(transport.closes).isEmpty();
	}

	/** A session resumed on a new transport while a write is in flight on its half-open one. */
	private SessionManager replacedDuringAWrite(FakeTransport halfOpen) {
		SessionManager manager = manager(settings(256, 1024));
		PulseSession session = open(halfOpen);
		String token = SessionManagerTests.token(halfOpen.texts.get(0));
		halfOpen.stall();
		session.send("big", "x");
		assertThat(manager.open(new FakeTransport(), ConnectDecision.accept(List.of("lobby")), null, token, 0))
			.isSameAs(session);
		return manager;
	}

	@Test
	void aTransportReplacedWhileAWriteIsInFlightGetsItsCloseFrameAfterThatWrite() {
		FakeTransport halfOpen = new FakeTransport();
		SessionManager manager = replacedDuringAWrite(halfOpen);
		// never a close frame in the middle of the write in flight
		assertThat(halfOpen.closes).isEmpty();
		assertThat(manager.leavingCount()).isOne();
		halfOpen.release();
		assertThat(halfOpen.closes).containsExactly(CloseCodes.REPLACED);
		assertThat(manager.leavingCount()).isZero();
	}

	@Test
	void aReplacedTransportWhoseWriteNeverCompletesIsDroppedAfterTheWriteTimeout() {
		FakeTransport halfOpen = new FakeTransport();
		SessionManager manager = replacedDuringAWrite(halfOpen);
		this.now.addAndGet(PulseSettings.defaults().writeTimeout().toNanos());
		manager.tick();
		assertThat(halfOpen.aborts).isOne();
		assertThat(halfOpen.closes).isEmpty();
		assertThat(manager.leavingCount()).isZero();
	}

	// ---- 6. stalled peers and the close path

	@Test
	void stalledPeersAreDroppedWithoutACloseFrameAndOtherClosesDoNotWaitForThem() {
		SessionManager manager = manager(settings(256, 1024));
		List<FakeTransport> stalled = new ArrayList<>();
		List<PulseSession> stuck = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			FakeTransport transport = new FakeTransport();
			PulseSession session = open(transport);
			transport.stall();
			session.send("big", "x");
			stalled.add(transport);
			stuck.add(session);
		}
		FakeTransport healthy = new FakeTransport();
		PulseSession bystander = open(healthy);
		stuck.forEach((session) -> manager.kick(session.id()));
		manager.kick(bystander.id());
		// the close frame of a connection that keeps up goes out at once
		assertThat(healthy.closes).containsExactly(CloseCodes.KICKED);
		// no close frame is ever attempted behind a stuck write; the timer drops them after the write timeout
		assertThat(stalled).allSatisfy((t) -> assertThat(t.closes).isEmpty());
		this.now.addAndGet(PulseSettings.defaults().writeTimeout().toNanos());
		manager.tick();
		assertThat(stalled).allSatisfy((t) -> assertThat(t.aborts).isOne());
		assertThat(manager.flushingCount()).isZero();
	}

	// ---- 7. a kick between a transport's attach and its first write (issue 15)

	@Test
	void aKickBetweenAResumeAndItsFirstWriteSendsTheResumedFrameThenTheKicksClose() {
		// onTransportRestore is delivered on the resuming thread after the transition and before the writer starts:
		// the kick lands exactly in that window, as a kick from another thread can
		this.extra.add(new PulseListener() {
			@Override
			public void onTransportRestore(PulseConnection connection) {
				EngineRaceTests.this.manager.kick(connection.id());
			}
		});
		SessionManager manager = manager(settings(256, 1024));
		FakeTransport dropped = new FakeTransport();
		PulseSession session = open(dropped);
		String token = SessionManagerTests.token(dropped.texts.get(0));
		manager.onTransportClosed(session, dropped, PulseCloseStatus.NO_CLOSE_FRAME);
		FakeTransport resuming = new FakeTransport();
		assertThat(manager.open(resuming, ConnectDecision.accept(List.of("lobby")), null, token, 0)).isSameAs(session);
		assertThat(resuming.texts).hasSize(1);
		assertThat(resuming.texts.get(0)).startsWith("{\"type\":\"resumed\"");
		assertThat(resuming.closes).containsExactly(CloseCodes.KICKED);
		assertThat(resuming.textsBeforeClose).as("texts written before the close").containsExactly(1);
		assertThat(this.events).containsExactly("disconnect:" + DisconnectReason.KICKED);
		assertThat(manager.flushingCount()).isZero();
	}

	@Test
	void aKickBetweenANewSessionsRegistrationAndItsFirstWriteSendsTheWelcomeThenTheKicksClose() {
		// the session a new one replaces reports its end on the opening thread, between the registration and the
		// writer's start: a listener that kicks the id then kicks the new session in that window
		this.extra.add(new PulseListener() {
			@Override
			public void onDisconnect(PulseConnection connection, DisconnectReason reason,
					@org.jspecify.annotations.Nullable PulseCloseStatus closeStatus) {
				if (reason == DisconnectReason.REPLACED) {
					EngineRaceTests.this.manager.kick(connection.id());
				}
			}
		});
		SessionManager manager = manager(settings(256, 1024));
		FakeTransport first = new FakeTransport();
		manager.open(first, ConnectDecision.accept("phone", List.of("lobby")), null, null, 0);
		FakeTransport second = new FakeTransport();
		PulseConnection replacing = manager.open(second, ConnectDecision.accept("phone", List.of("lobby")), null,
				null, 0);
		assertThat(replacing.state()).isEqualTo(ConnectionState.CLOSED);
		assertThat(second.texts).hasSize(1);
		assertThat(second.texts.get(0)).startsWith("{\"type\":\"welcome\"");
		assertThat(second.closes).containsExactly(CloseCodes.KICKED);
		assertThat(second.textsBeforeClose).as("texts written before the close").containsExactly(1);
		assertThat(first.closes).containsExactly(CloseCodes.REPLACED);
	}

}
