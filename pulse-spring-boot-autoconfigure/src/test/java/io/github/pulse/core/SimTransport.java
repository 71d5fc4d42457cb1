package io.github.pulse.core;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import io.github.pulse.PulseCloseStatus;
import org.jspecify.annotations.Nullable;

/**
 * In-memory transport of the {@link EngineSimulation}. Each completion is inline (before the method returns),
 * deferred as a scheduler event, held while the transport is stalled, or a failure; a frame whose write completes
 * reaches the client's inbox unless the client is gone. A transport can be cut (the client is gone; writes fail),
 * half-open (the client is gone but writes still succeed or stall, and nothing is ever reported) or abandoned (the
 * client stopped reading it). It records what the engine did to it and checks, on every call, that the engine does
 * not call it under a session's lock and does not use it after closing or aborting it. Its decisions come from its
 * own random generator, so that the order in which the engine reaches transports (a broadcast iterates a hash set of
 * sessions) does not change the run.
 */
final class SimTransport implements Transport {

	/** A close frame the server sent, as the client reads it. */
	record CloseFrame(PulseCloseStatus status) {
	}

	final EngineSimulation world;

	final int id;

	final SimClient client;

	final SplittableRandom random;

	/** Writes go into an output buffer that only {@link #flush} sends. */
	final boolean gathering;

	/** {@link #writeAndFlush} is the interface's default (write, then flush in the callback). */
	final boolean defaultWriteAndFlush;

	/** The session it was opened for, known once the engine writes to it or {@code open} returns. */
	@Nullable PulseSession session;

	/** The lastSeq the client presented when it resumed on this transport, else 0. */
	long presentedLastSeq;

	long nextOrder;

	// ---- network state

	/** The client no longer reads this socket: cut, closed, replaced or abandoned. */
	boolean clientGone;

	/** The client is gone but the server's writes still succeed (into the void) or stall; no error ever comes. */
	boolean halfOpen;

	/** The client stopped reading but the socket is healthy: writes succeed, nobody reads them. */
	boolean abandoned;

	/** The engine was told that this transport is gone (closed, error, or a failed write). */
	boolean engineKnowsDead;

	/** The container reported the close or the error to the engine. */
	boolean reported;

	/** Inside the interface's default writeAndFlush, which calls write, then flush from the write's callback. */
	private boolean composing;

	private boolean inComposedCallback;

	/** The engine aborted it: what was held or is still to complete fails. */
	boolean aborted;

	boolean stalled;

	/** Held completions are being failed ({@link #failHeld}). */
	private boolean failing;

	boolean failNext;

	/** Completes everything inline from now on (the final, graceful phase of a run). */
	boolean inlineOnly;

	/** Calls whose completion callback has not run yet. */
	int outstanding;

	final List<Runnable> held = new ArrayList<>();

	/** What reached the client and it has not read yet: text frames and {@link CloseFrame}s. */
	final ArrayDeque<Object> inbox = new ArrayDeque<>();

	private final List<String> buffered = new ArrayList<>();

	// ---- what the engine did

	int closesQueued;

	/** Let go of by the engine and checked once: see EngineSimulation#checkTransports. */
	boolean settled;

	int abortsQueued;

	int closes;

	int aborts;

	@Nullable PulseCloseStatus closeStatus;

	// ---- engine-side frame checks (see EngineSimulation#engineWrote)

	boolean firstFrameWritten;

	long lastSeqWritten;

	long replayEnd = -1;

	int replayLeft;

	SimTransport(EngineSimulation world, int id, SimClient client, long seed) {
		this.world = world;
		this.id = id;
		this.client = client;
		this.random = new SplittableRandom(seed);
		this.gathering = this.random.nextInt(3) == 0;
		this.defaultWriteAndFlush = this.random.nextBoolean();
	}

	/** The socket is broken: writes fail (or vanish). */
	boolean isCut() {
		return this.aborted || (this.clientGone && !this.halfOpen);
	}

	/** The client can read what arrives. */
	boolean reachesClient() {
		return !this.clientGone && !this.halfOpen && !this.abandoned;
	}

	@Override
	public void write(Frame frame, Consumer<@Nullable Throwable> onDone) {
		if (this.composing) {
			this.composing = false;
			operation("write", frame.text(), !this.gathering, (failure) -> {
				this.inComposedCallback = true;
				try {
					onDone.accept(failure);
				}
				finally {
					this.inComposedCallback = false;
				}
			});
			return;
		}
		operation("write", frame.text(), !this.gathering, onDone);
	}

	@Override
	public void writeAndFlush(Frame frame, Consumer<@Nullable Throwable> onDone) {
		if (this.defaultWriteAndFlush) {
			this.composing = true;
			Transport.super.writeAndFlush(frame, onDone);
			return;
		}
		operation("writeAndFlush", frame.text(), true, onDone);
	}

	@Override
	public void ping(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
		operation("ping", null, !this.gathering, onDone);
	}

	@Override
	public void flush(Consumer<@Nullable Throwable> onDone) {
		// the flush of the default writeAndFlush follows its write by itself, even if the engine aborted meanwhile
		boolean composed = this.inComposedCallback;
		this.inComposedCallback = false;
		operation(composed ? "composed flush" : "flush", null, true, onDone);
	}

	private void operation(String kind, @Nullable String text, boolean flushes, Consumer<@Nullable Throwable> onDone) {
		this.world.transportCalled(this, kind);
		if (this.closesQueued + this.abortsQueued > 0 && !kind.equals("composed flush")) {
			this.world.fail("engine called " + kind + " on T" + this.id + " after it closed or aborted it");
		}
		if (text != null) {
			this.world.engineWrote(this, text);
		}
		this.outstanding++;
		// another thread may act while the container is busy with this write
		this.world.preemptionPoint(kind + " T" + this.id);
		Completion completion = new Completion(kind, text, flushes, onDone);
		if (this.failNext) {
			this.failNext = false;
			if (this.random.nextBoolean()) {
				completion.finish(true);
			}
			else {
				defer(completion, true);
			}
			return;
		}
		if (this.inlineOnly) {
			completion.finish(isCut());
			return;
		}
		if (this.halfOpen) {
			// the kernel buffer takes the bytes, or is full and the write never completes
			if (this.random.nextInt(3) == 0) {
				this.held.add(completion::complete);
			}
			else if (this.random.nextBoolean()) {
				completion.finish(false);
			}
			else {
				defer(completion, false);
			}
			return;
		}
		if (this.stalled) {
			this.held.add(completion::complete);
			return;
		}
		if (this.world.inlineCompletion(this)) {
			completion.complete();
		}
		else {
			defer(completion, null);
		}
	}

	private void defer(Completion completion, @Nullable Boolean failure) {
		this.world.schedule(this, completion.kind + " done T" + this.id, () -> {
			if (failure != null) {
				completion.finish(failure);
			}
			else if (this.stalled && !this.clientGone) {
				this.held.add(completion::complete);
			}
			else {
				completion.complete();
			}
		});
	}

	/** Stops completing: a slow reader. */
	void stall() {
		this.stalled = true;
	}

	/** Completes what was held, as deferred events. */
	void release() {
		this.stalled = false;
		List<Runnable> completions = new ArrayList<>(this.held);
		this.held.clear();
		for (Runnable completion : completions) {
			this.world.schedule(this, "released T" + this.id, completion);
		}
	}

	/** Completes what was held with a failure, at once: the stalled write fails. */
	void failHeld() {
		this.stalled = false;
		this.failNext = false;
		List<Runnable> completions = new ArrayList<>(this.held);
		this.held.clear();
		this.failing = true;
		try {
			completions.forEach(Runnable::run);
		}
		finally {
			this.failing = false;
		}
	}

	@Override
	public void close(PulseCloseStatus status) {
		this.world.transportCalled(this, "close");
		this.world.debug("close " + this + " with " + status);
		if (this.outstanding > 0) {
			this.world.fail("engine closed T" + this.id + " with " + status + " while " + this.outstanding
					+ " write(s) were in flight (a close frame could cut a frame in half)");
		}
		if (!this.firstFrameWritten && status != CloseCodes.REPLACED) {
			// a client must learn which session it is on before why it ends (a kick racing a resume or an open);
			// only a transport the client has already left for another (replaced) may close before its first frame
			this.world.fail("engine closed T" + this.id + " with " + status + " before its welcome or resumed");
		}
		this.closes++;
		this.closeStatus = status;
		this.world.preemptionPoint("close T" + this.id);
		if (reachesClient()) {
			deliver();
			this.inbox.add(new CloseFrame(status));
		}
		this.buffered.clear();
		if (!this.reported) {
			// the close handshake ends: the container reports the close to the handler
			this.world.schedule(this, "container closed T" + this.id,
					() -> this.world.notifyClosed(this, status));
		}
	}

	@Override
	public void abort() {
		this.world.transportCalled(this, "abort");
		this.world.debug("abort " + this);
		this.aborts++;
		this.aborted = true;
		this.world.preemptionPoint("abort T" + this.id);
		this.buffered.clear();
		broken();
		// writes held by a stalled socket fail once it is dropped
		List<Runnable> completions = new ArrayList<>(this.held);
		this.held.clear();
		for (Runnable completion : completions) {
			this.world.schedule(this, "aborted T" + this.id, completion);
		}
		if (!this.reported) {
			this.world.schedule(this, "container noticed abort T" + this.id, () -> this.world.notifyDead(this));
		}
	}

	/** The socket broke: the client loses what it had not read and sees the connection gone. */
	void broken() {
		if (!this.clientGone) {
			this.clientGone = true;
			this.inbox.clear();
			this.client.transportLost(this);
		}
	}

	private void deliver() {
		for (String text : this.buffered) {
			this.inbox.add(text);
		}
		this.buffered.clear();
	}

	@Override
	public @Nullable InetSocketAddress remoteAddress() {
		return null;
	}

	@Override
	public String toString() {
		return "T" + this.id;
	}

	/** One call's completion; runs its callback exactly once. */
	private final class Completion {

		final String kind;

		final @Nullable String text;

		final boolean flushes;

		final Consumer<@Nullable Throwable> onDone;

		boolean done;

		Completion(String kind, @Nullable String text, boolean flushes, Consumer<@Nullable Throwable> onDone) {
			this.kind = kind;
			this.text = text;
			this.flushes = flushes;
			this.onDone = onDone;
		}

		/** Completes as the socket's state says now: a cut socket fails, a healthy or half-open one succeeds. */
		void complete() {
			SimTransport t = SimTransport.this;
			finish(t.failing || t.aborted || (t.isCut() && t.random.nextBoolean()));
		}

		void finish(boolean failed) {
			SimTransport t = SimTransport.this;
			t.world.debug(this.kind + " on " + t + (failed ? " fails" : " completes")
					+ ((this.text != null) ? ": " + SimClient.abbreviate(this.text) : ""));
			if (this.done) {
				t.world.fail("completion of " + this.kind + " on T" + t.id + " ran twice");
			}
			this.done = true;
			t.outstanding--;
			if (failed) {
				t.buffered.clear();
				t.broken();
				if (!t.reported) {
					t.world.schedule(t, "container noticed failure T" + t.id, () -> t.world.notifyDead(t));
				}
				t.world.completionFailed(t);
				this.onDone.accept(new java.io.IOException("simulated write failure on T" + t.id));
				return;
			}
			if (this.text != null) {
				t.buffered.add(this.text);
			}
			if (this.flushes && t.reachesClient()) {
				t.deliver();
			}
			else if (this.flushes) {
				t.buffered.clear();
			}
			if (this.kind.equals("ping") && t.reachesClient()) {
				// the client's WebSocket stack answers pings by itself
				t.world.schedule(t, "pong T" + t.id, () -> t.world.pong(t));
			}
			this.onDone.accept(null);
		}

	}

}
