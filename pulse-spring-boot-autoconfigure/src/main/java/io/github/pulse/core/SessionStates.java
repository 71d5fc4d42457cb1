package io.github.pulse.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseCloseStatus;
import io.github.pulse.PulseListener;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The session state machine: every transition of every session, with its counter update and its listener callback,
 * in one place.
 *
 * <pre>
 *            open               suspend (transport failed, resume on)
 *   (new) ---------&gt; OPEN -----------------------------------&gt; SUSPENDED
 *                     |  ^           resume (new transport)         |
 *                     |  '------------------------------------------'
 *                     | end (kick, close, replace, idle, ...)         | end (expired, kick, shutdown)
 *                     '----------------&gt; CLOSED &lt;---------------------'
 *   (adopted) ------&gt; SUSPENDED until its transport attaches
 * </pre>
 *
 * Each transition is made under the session's lock and only from the state its caller saw: a decision taken at one
 * {@link PulseSession#epoch} applies only if the session is still at it, a transport event only if that transport
 * is still the session's. So a late expiry cannot end a resumed session and a stale transport cannot suspend a new
 * one. Effects that are I/O or call out (closing sockets, the registry, listeners) run after the lock is released,
 * by the one caller whose transition won. Listener callbacks of one session are delivered one at a time, in
 * transition order, whichever threads caused them.
 */
final class SessionStates {

	private static final Log logger = LogFactory.getLog(SessionStates.class);

	/** Ends a session whatever transition happened before, unless it is already closed. */
	static final long ANY_EPOCH = -1;

	private final SessionManager manager;

	private final Supplier<List<PulseListener>> listeners;

	private final AtomicInteger open = new AtomicInteger();

	private final AtomicInteger suspended = new AtomicInteger();

	SessionStates(SessionManager manager, Supplier<List<PulseListener>> listeners) {
		this.manager = manager;
		this.listeners = listeners;
	}

	int openCount() {
		return this.open.get();
	}

	int suspendedCount() {
		return this.suspended.get();
	}

	// ---- transitions

	/**
	 * (new) to OPEN: a session started on its first transport. Listeners get {@code onConnect} when
	 * {@link #deliver} runs next.
	 */
	void opened(PulseSession session) {
		synchronized (session.lock) {
			this.open.incrementAndGet();
			session.callbacks.add(() -> forEachListener((listener) -> listener.onConnect(session), "onConnect"));
		}
	}

	/**
	 * (adopted) to SUSPENDED: a session handed over by, or rebuilt after the death of, another node, waiting for
	 * its transport. No callback: the session is not new, and it is not known here.
	 */
	void adopted(PulseSession session) {
		synchronized (session.lock) {
			this.suspended.incrementAndGet();
			session.suspendedAtNanos = this.manager.nanoTime();
		}
	}

	/**
	 * OPEN to SUSPENDED (or CLOSED when resume is off): the transport failed or must be abandoned.
	 * @param failed the transport the caller saw; nothing happens if it is no longer the session's
	 * @param sendStatus close status to send on the way out, {@code null} if the transport is already gone. If a
	 * write is in flight the close frame follows it (never cutting a frame in half) and the timer drops the
	 * connection if that write outlives the write timeout; after a write timeout the connection is dropped at once
	 */
	void suspend(PulseSession session, Transport failed, DisconnectReason cause,
			@Nullable PulseCloseStatus sendStatus) {
		boolean resume = this.manager.settings().resumeEnabled();
		boolean writing;
		boolean abandoned = false;
		synchronized (session.lock) {
			if (session.transport != failed) {
				return;
			}
			if (session.state == ConnectionState.CLOSED) {
				if (!session.writer.closing) {
					return;
				}
				// a closing session's transport failed: its close frame can never go, the close is over
				abandoned = session.writer.closeAbandoned();
				writing = false;
			}
			else if (session.state != ConnectionState.OPEN) {
				return;
			}
			else {
				writing = session.writer.writing;
				if (resume) {
					if (writing && sendStatus != null && sendStatus != CloseCodes.WRITE_TIMEOUT) {
						// registered under the lock, before the write in flight can complete and look for it
						this.manager.closeAfterWrite(failed, sendStatus);
					}
					session.state = ConnectionState.SUSPENDED;
					session.epoch++;
					session.transport = null;
					session.writer.reset();
					session.pingOutstanding = false;
					session.suspendedAtNanos = this.manager.nanoTime();
					this.open.decrementAndGet();
					this.suspended.incrementAndGet();
					session.callbacks.add(() -> forEachListener(
							(listener) -> listener.onTransportDrop(session, cause), "onTransportDrop"));
				}
			}
		}
		if (abandoned) {
			// its close frame can never go; if the transport is not dead already (a write timeout decided this),
			// dropping it makes it so
			this.manager.closeAbandoned(session, failed);
			return;
		}
		if (!resume) {
			// the session ends with the transport; its close frame (if any) follows the write in flight, so the end
			// takes the same path as any other
			end(session, failed, cause, sendStatus, false);
			return;
		}
		if (sendStatus == CloseCodes.WRITE_TIMEOUT) {
			// the write has been stuck for the whole write timeout: the peer is not reading, a close frame would not
			// reach it
			this.manager.abortTransport(failed);
		}
		else if (sendStatus != null && !writing) {
			this.manager.closeTransport(failed, sendStatus);
		}
		this.manager.suspended(session, cause);
		deliver(session);
	}

	/**
	 * SUSPENDED (or OPEN on a half-open transport the server had not noticed) to OPEN on a new transport, replaying
	 * what the client has not received.
	 * @param presentedToken the token the client resumed with: it stays valid until the client confirms
	 * {@code newToken}, and every other token of the session is revoked
	 * @return the outcome, or {@code null} if the session is closed or the client claims frames never sent
	 */
	@Nullable Resumption resume(PulseSession session, Transport next, long clientLastSeq,
			@Nullable String presentedToken, String newToken) {
		Transport stale;
		boolean staleWriting;
		boolean wasOpen;
		int replayed;
		int evicted;
		long missed;
		List<String> revoked = new ArrayList<>(2);
		synchronized (session.lock) {
			if (session.state == ConnectionState.CLOSED || clientLastSeq > session.lastSeq) {
				return null;
			}
			stale = session.transport;
			staleWriting = session.writer.writing;
			if (stale != null && staleWriting) {
				this.manager.closeAfterWrite(stale, CloseCodes.REPLACED);
			}
			wasOpen = session.state == ConnectionState.OPEN;
			if (wasOpen && stale != null) {
				// a half-open transport the server had not noticed: report its loss before the restore
				session.callbacks.add(() -> forEachListener(
						(listener) -> listener.onTransportDrop(session, DisconnectReason.TRANSPORT_ERROR),
						"onTransportDrop"));
			}
			session.callbacks.add(
					() -> forEachListener((listener) -> listener.onTransportRestore(session), "onTransportRestore"));
			if (!wasOpen) {
				this.suspended.decrementAndGet();
				this.open.incrementAndGet();
			}
			session.state = ConnectionState.OPEN;
			session.epoch++;
			session.transport = next;
			session.protocol = next.subprotocol();
			session.writer.reset();
			for (String token : new String[] { session.resumeToken, session.heldToken }) {
				if (token != null && !token.equals(presentedToken)) {
					revoked.add(token);
				}
			}
			session.heldToken = presentedToken;
			session.resumeToken = newToken;
			session.tokenUnconfirmed = presentedToken != null;
			// token changes of a session happen under its lock, so an end (which revokes every token after it)
			// cannot be overtaken by a restore
			if (presentedToken != null) {
				this.manager.tokens().restore(presentedToken, session);
			}
			for (String token : revoked) {
				this.manager.tokens().revoke(token, false, this.manager.nanoTime());
			}
			// the transport the pending frames were promised to is gone: the replay is held to the resume buffer (else
			// each resume could add a send buffer on top of the last replay); what it cannot hold counts as missed
			evicted = session.buffer.rewindTo(clientLastSeq) - session.buffer.pendingMessages();
			replayed = session.buffer.pendingMessages();
			missed = (session.lastSeq - clientLastSeq) - replayed;
			session.buffer.addControlFirst(OutFrame.Control.opening(
					this.manager.wire().resumed(session.id(), newToken, replayed, missed,
							session.clientSequence.lastProcessed())));
			long now = this.manager.nanoTime();
			session.lastInboundNanos = now;
			// the idle clock restarts too: time spent suspended is not the client's silence
			session.lastMessageNanos = now;
			session.lastPingNanos = now;
			session.pingOutstanding = false;
		}
		this.manager.framesDropped(evicted, "resume-buffer-overflow");
		if (stale != null && !staleWriting) {
			this.manager.closeTransport(stale, CloseCodes.REPLACED);
		}
		return new Resumption(replayed, missed);
	}

	/**
	 * The client showed on its new transport that it holds the token handed out last: the one it resumed with is
	 * revoked.
	 */
	void tokenConfirmed(PulseSession session, Transport transport) {
		synchronized (session.lock) {
			if (session.transport != transport) {
				return;
			}
			if (session.heldToken != null) {
				this.manager.tokens().revoke(session.heldToken, false, this.manager.nanoTime());
			}
			session.heldToken = null;
			session.tokenUnconfirmed = false;
		}
	}

	/**
	 * OPEN or SUSPENDED to CLOSED.
	 * @param expectedEpoch the epoch the caller's decision was taken at, or {@link #ANY_EPOCH}
	 * @param status the close status to send, or {@code null} if the transport is already gone
	 * @param flush whether the close frame follows the frames already queued
	 * @return whether this call ended the session
	 */
	boolean end(PulseSession session, long expectedEpoch, DisconnectReason reason, @Nullable PulseCloseStatus status,
			boolean flush) {
		return end(session, expectedEpoch, null, reason, status, flush, false);
	}

	/**
	 * As {@link #end(PulseSession, long, DisconnectReason, PulseCloseStatus, boolean)}, with the listener callbacks
	 * delivered on the engine's executor: for the cluster's threads, where a listener must never run (a slow one
	 * would hold up every delivery from Redis).
	 */
	boolean endOffThread(PulseSession session, long expectedEpoch, DisconnectReason reason,
			@Nullable PulseCloseStatus status, boolean flush) {
		return end(session, expectedEpoch, null, reason, status, flush, true);
	}

	/**
	 * OPEN to CLOSED, only if {@code expected} is still the session's transport.
	 */
	boolean end(PulseSession session, Transport expected, DisconnectReason reason, @Nullable PulseCloseStatus status,
			boolean flush) {
		return end(session, ANY_EPOCH, expected, reason, status, flush, false);
	}

	private boolean end(PulseSession session, long expectedEpoch, @Nullable Transport expectedTransport,
			DisconnectReason reason, @Nullable PulseCloseStatus status, boolean flush, boolean callbacksOffThread) {
		boolean startWriter = false;
		Transport gone = null;
		ConnectionState previous;
		synchronized (session.lock) {
			if (session.state == ConnectionState.CLOSED
					|| (expectedEpoch != ANY_EPOCH && session.epoch != expectedEpoch)
					|| (expectedTransport != null && session.transport != expectedTransport)) {
				return false;
			}
			previous = session.state;
			session.state = ConnectionState.CLOSED;
			session.epoch++;
			session.endReason = reason;
			((previous == ConnectionState.OPEN) ? this.open : this.suspended).decrementAndGet();
			session.callbacks.add(() -> forEachListener((listener) -> listener.onDisconnect(session, reason, status),
					"onDisconnect"));
			if (!flush) {
				// what is queued is dropped, but not the transport's welcome or resumed if it is not written yet (a
				// kick between a resume and its first write): the close frame must not be the client's first frame
				session.buffer.clearAllButOpening();
			}
			if (session.transport != null && status != null) {
				// the close frame goes after the write in flight (a close in the middle of a frame corrupts the
				// stream) and, with flush, after every queued frame; the timer bounds the wait by the write timeout.
				// Registered before the lock is released, so the writer cannot finish the close first
				this.manager.closingStarted(session);
				startWriter = session.writer.queueClose(status, this.manager.nanoTime());
			}
			else {
				gone = session.transport;
				session.transport = null;
				session.writer.reset();
				session.buffer.clear();
			}
		}
		this.manager.ended(session, previous, reason, status);
		if (gone != null) {
			// no status: the transport is already closed, and aborting it again is harmless; were it not, the
			// socket would otherwise be left attached to nothing
			this.manager.abortTransport(gone);
		}
		if (callbacksOffThread) {
			this.manager.execute(() -> deliver(session));
		}
		else {
			deliver(session);
		}
		if (startWriter) {
			session.writer.drain();
		}
		return true;
	}

	/**
	 * The transport was closed by the peer or the container (not 1006). An open session ends with the status; a
	 * closing one stops waiting for its close frame.
	 * @param closed the transport; nothing happens if it is no longer the session's
	 * @param reason the reason, if this ends the session
	 * @param status the status the container reported
	 */
	void closedByPeer(PulseSession session, Transport closed, DisconnectReason reason, PulseCloseStatus status) {
		boolean wasClosing;
		long decidedAt;
		synchronized (session.lock) {
			if (session.transport != closed) {
				return;
			}
			wasClosing = session.state == ConnectionState.CLOSED;
			decidedAt = session.epoch;
			if (wasClosing) {
				session.writer.closeAbandoned();
			}
			else {
				// closed already: nothing is sent, the status is only reported
				session.transport = null;
				session.writer.reset();
			}
		}
		if (wasClosing) {
			this.manager.closingEnded(session);
			return;
		}
		end(session, decidedAt, reason, status, false);
	}

	/**
	 * OPEN or SUSPENDED to CLOSED without a close frame and without {@code onDisconnect}: the session moves to the
	 * node where its client is resuming. Listeners see {@code onTransportDrop} if its transport was still open.
	 * @return the detached state, or {@code null} if the session ended or the client claims frames never sent
	 */
	@Nullable Detached handOff(PulseSession session, long clientLastSeq) {
		Transport stale;
		boolean staleWriting;
		Detached detached;
		synchronized (session.lock) {
			if (session.state == ConnectionState.CLOSED || clientLastSeq > session.lastSeq) {
				return null;
			}
			ConnectionState previous = session.state;
			stale = session.transport;
			staleWriting = session.writer.writing;
			if (stale != null && staleWriting) {
				this.manager.closeAfterWrite(stale, CloseCodes.REPLACED);
			}
			List<HandoverState.Frame> frames = new ArrayList<>();
			for (OutFrame.Message message : session.buffer.messages()) {
				frames.add(new HandoverState.Frame(message.seq, message.body.text()));
			}
			session.state = ConnectionState.CLOSED;
			session.epoch++;
			session.endReason = DisconnectReason.TRANSPORT_ERROR;
			session.transport = null;
			session.writer.reset();
			session.buffer.clear();
			((previous == ConnectionState.OPEN) ? this.open : this.suspended).decrementAndGet();
			if (previous == ConnectionState.OPEN) {
				session.callbacks.add(() -> forEachListener(
						(listener) -> listener.onTransportDrop(session, DisconnectReason.TRANSPORT_ERROR),
						"onTransportDrop"));
			}
			// closed under the lock a numbered message is accepted under: each is processed here, or sent again and
			// processed on the new node, never both
			detached = new Detached(previous, List.copyOf(session.roomSet()), session.lastSeq, frames,
					session.directSends, session.clientSequence.lastProcessed());
		}
		if (stale != null && !staleWriting) {
			this.manager.closeTransport(stale, CloseCodes.REPLACED);
		}
		// not on the caller's thread: the cluster calls this from its subscription, where listeners must not run
		this.manager.execute(() -> deliver(session));
		return detached;
	}

	/**
	 * Outcome of {@link #resume}.
	 *
	 * @param replayed frames that will be replayed
	 * @param missed frames after the client's last that are no longer held
	 */
	record Resumption(int replayed, long missed) {
	}

	/**
	 * State of a session handed off by {@link #handOff}.
	 */
	record Detached(ConnectionState previous, List<String> rooms, long lastSeq, List<HandoverState.Frame> frames,
			long directSends, long clientSeq) {
	}

	// ---- effects

	/**
	 * Delivers the session's queued listener callbacks one at a time and in the order their transitions happened,
	 * whichever threads caused them: a drop is never reported after the restore that followed it, nor a connect
	 * after the disconnect.
	 */
	void deliver(PulseSession session) {
		while (true) {
			Runnable next;
			synchronized (session.lock) {
				if (session.delivering) {
					return;
				}
				next = session.callbacks.poll();
				if (next == null) {
					return;
				}
				session.delivering = true;
			}
			try {
				next.run();
			}
			finally {
				synchronized (session.lock) {
					session.delivering = false;
				}
			}
		}
	}

	/**
	 * The listeners, looked up when first needed (so that a listener may inject the engine without {@code @Lazy}).
	 */
	List<PulseListener> listeners() {
		return this.listeners.get();
	}

	private void forEachListener(java.util.function.Consumer<PulseListener> callback, String name) {
		for (PulseListener listener : this.listeners.get()) {
			try {
				callback.accept(listener);
			}
			catch (RuntimeException ex) {
				logger.error("PulseListener." + name + " failed", RedactedFailure.of(ex));
			}
		}
	}

}
