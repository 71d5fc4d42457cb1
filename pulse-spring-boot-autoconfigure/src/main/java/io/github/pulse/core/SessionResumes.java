package io.github.pulse.core;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Resume: tokens claimed and checked (the identity rule in one place), sessions moved onto a new transport, handed
 * over to another node, or adopted from one, and the per-address limit on failed attempts.
 */
final class SessionResumes {

	private static final Log logger = LogFactory.getLog(SessionManager.class);

	private final SessionManager manager;

	private final PulseSettings settings;

	private final ResumeTokens tokens;

	private final ResumeFailureLimiter resumeFailures;

	private final SessionStates states;

	private final PulseObserver observer;

	SessionResumes(SessionManager manager, PulseSettings settings, SessionStates states, PulseObserver observer) {
		this.manager = manager;
		this.settings = settings;
		this.tokens = new ResumeTokens(settings.resumeWindow().toNanos());
		this.resumeFailures = new ResumeFailureLimiter(settings.resumeMaxFailuresPerMinute());
		this.states = states;
		this.observer = observer;
	}

	ResumeTokens tokens() {
		return this.tokens;
	}

	ResumeFailureLimiter resumeFailures() {
		return this.resumeFailures;
	}

	/**
	 * Forgets expired tombstones and failure counts; called by the timer.
	 */
	void purge(long nowNanos) {
		this.tokens.purge(nowNanos);
		this.resumeFailures.purge(nowNanos);
	}

	/**
	 * A WebSocket was established: resume the requested session or start a new one.
	 * @param transport the new transport
	 * @param decision the connect handler's decision (accepted)
	 * @param principal the handshake principal
	 * @param resumeToken the token the client presented, or {@code null}
	 * @param lastSeq the last sequence number the client received, when resuming
	 * @return the session now attached to the transport, or {@code null} if the transport was closed with 1013
	 * because the resume of a session another node holds cannot be decided now
	 */
	@Nullable PulseConnection open(Transport transport, ConnectDecision decision, @Nullable Principal principal,
			@Nullable String resumeToken, long lastSeq) {
		String resumeFailed = null;
		InetAddress address = address(transport);
		if (resumeToken != null && this.settings.resumeEnabled() && this.resumeFailures.isBlocked(address, this.manager.nanoTime())) {
			// too many failures from this address: the token is not even looked at, so guessing learns nothing
			resumeFailed = "unknown";
			this.observer.resumeAttempt("rate-limited", 0);
		}
		else if (resumeToken != null && this.settings.resumeEnabled()) {
			ResumeTokens.Claim claim = this.tokens.claim(resumeToken);
			if (claim.outcome() == ResumeTokens.Outcome.CLAIMED) {
				PulseSession resumed = resume(claim.session(), resumeToken, transport, decision, principal, lastSeq);
				if (resumed != null) {
					return resumed;
				}
				resumeFailed = (claim.session().endReason() == DisconnectReason.RESUME_EXPIRED) ? "expired"
						: "unknown";
			}
			else {
				resumeFailed = (claim.outcome() == ResumeTokens.Outcome.EXPIRED) ? "expired" : "unknown";
				ClusterBridge cluster = this.manager.clusterBridge();
				if (cluster != null && claim.outcome() == ResumeTokens.Outcome.UNKNOWN
						&& ResumeTokens.isWellFormed(resumeToken)) {
					ClusterBridge.RemoteResume remote = cluster.resume(resumeToken, ResumeTokens.key(resumeToken),
							lastSeq, transport, decision, principal);
					if (remote.connection() != null) {
						return remote.connection();
					}
					if (remote == ClusterBridge.RemoteResume.RETRY) {
						// not the client's fault, and its session may be alive: no fresh session, no failure counted
						this.observer.resumeAttempt("retry-later", 0);
						transport.close(CloseCodes.TRY_AGAIN_LATER);
						return null;
					}
					resumeFailed = Objects.requireNonNullElse(remote.failure(), "unknown");
				}
			}
			this.observer.resumeAttempt(resumeFailed, 0);
			this.resumeFailures.failed(address, this.manager.nanoTime());
		}
		else if (resumeToken != null) {
			resumeFailed = "unknown";
		}
		return this.manager.openNew(transport, decision, principal, resumeFailed);
	}

	boolean isResumeBlocked(@Nullable InetAddress address) {
		return this.settings.resumeEnabled() && this.resumeFailures.isBlocked(address, this.manager.nanoTime());
	}

	private static @Nullable InetAddress address(Transport transport) {
		InetSocketAddress remote = transport.remoteAddress();
		return (remote != null) ? remote.getAddress() : null;
	}

	private @Nullable PulseSession resume(PulseSession session, String token, Transport transport,
			ConnectDecision decision, @Nullable Principal principal, long lastSeq) {
		if (!isSameIdentity(session, SessionManager.name(principal), decision.connectionId())) {
			this.tokens.restore(token, session);
			return null;
		}
		String newToken = this.tokens.issue(session);
		// resolvable cluster-wide before the client can hold it: the cluster holds the session's writes until then
		tokenIssued(session, newToken);
		SessionStates.Resumption resumption = this.states.resume(session, transport, lastSeq, token, newToken);
		if (resumption == null) {
			this.tokens.revoke(newToken, false, this.manager.nanoTime());
			if (session.state() != ConnectionState.CLOSED) {
				this.tokens.restore(token, session);
			}
			return null;
		}
		resumed(session, resumption, "");
		this.states.deliver(session);
		session.writer.drain();
		return session;
	}

	private void resumed(PulseSession session, SessionStates.Resumption resumption, String how) {
		this.observer.resumeAttempt("resumed", resumption.replayed());
		if (logger.isDebugEnabled()) {
			logger.debug("Resumed " + session + how + ": replayed " + resumption.replayed() + ", missed "
					+ resumption.missed());
		}
	}

	/**
	 * Whether a resuming client is the session's: the same principal name, and the same connection id if the connect
	 * handler named one. The one identity rule, for local resumes and hand-overs.
	 */
	private static boolean isSameIdentity(PulseSession session, @Nullable String principalName,
			@Nullable String connectionId) {
		return Objects.equals(principalName, SessionManager.name(session.principal()))
				&& (connectionId == null || connectionId.equals(session.id()));
	}

	void tokenIssued(PulseSession session, String token) {
		ClusterBridge cluster = this.manager.clusterBridge();
		if (cluster != null) {
			cluster.tokenIssued(session, ResumeTokens.key(token), SessionManager.secretDigest(token));
		}
	}

	/**
	 * Hands a session of this node over to another node where its client is resuming: claims the token (single
	 * use, secret compared in constant time), checks the identity as a local resume would, and ends the local copy
	 * without a close frame and without {@code onDisconnect} (listeners see {@code onTransportDrop} if the
	 * transport was still open).
	 * @param token the token the client presented
	 * @param principalName the resuming handshake's principal name
	 * @param connectionId the connection id the connect handler named on the resuming node, if any
	 * @param lastSeq the last sequence number the client received
	 * @return the state to rebuild the session from, or {@code null} if the token or identity does not match
	 */
	@Nullable HandoverState handOver(String token, @Nullable String principalName,
			@Nullable String connectionId, long lastSeq) {
		if (!this.settings.resumeEnabled()) {
			return null;
		}
		ResumeTokens.Claim claim = this.tokens.claim(token);
		PulseSession session = claim.session();
		if (claim.outcome() != ResumeTokens.Outcome.CLAIMED || session == null) {
			return null;
		}
		if (!isSameIdentity(session, principalName, connectionId)) {
			this.tokens.restore(token, session);
			return null;
		}
		SessionStates.Detached detached = this.states.handOff(session, lastSeq);
		if (detached == null) {
			if (session.state() != ConnectionState.CLOSED) {
				this.tokens.restore(token, session);
			}
			return null;
		}
		for (String other : session.resumeTokens()) {
			this.tokens.revoke(other, false, this.manager.nanoTime());
		}
		this.manager.unregister(session, detached.rooms());
		Map<String, Object> attributes = SessionManager.transferableAttributes(session);
		if (logger.isDebugEnabled()) {
			logger.debug("Handed " + session + " over to another node: " + detached.frames().size()
					+ " retained frames, seq " + detached.lastSeq());
		}
		if (detached.previous() == ConnectionState.OPEN) {
			this.observer.transportDropped(DisconnectReason.TRANSPORT_ERROR);
		}
		return new HandoverState(session.id(), SessionManager.name(session.principal()), attributes, detached.rooms(),
				detached.lastSeq(), detached.frames(), detached.directSends(), detached.clientSeq());
	}

	String resumeFailure(String token) {
		return (ResumeTokens.isWellFormed(token) && this.tokens.isExpired(token))
				? "expired" : "unknown";
	}

	PulseConnection adopt(HandoverState state, List<String> later, ConnectDecision decision,
			@Nullable Principal principal) {
		Map<String, Object> attributes = new java.util.HashMap<>(decision.attributes());
		attributes.putAll(state.attributes());
		// the user is not handed over: the connect handler names it again on this node, for the same principal
		PulseSession session = new PulseSession(this.manager, state.connectionId(), principal,
				decision.userOf(principal), attributes, null, ConnectionState.SUSPENDED, this.manager.nanoTime());
		int evicted = session.adoptFrames(state.lastSeq(), state.frames(), later, state.directSends());
		session.clientSequence.adopt(state.clientSeq());
		this.manager.framesDropped(evicted, "resume-buffer-overflow");
		this.states.adopted(session);
		this.manager.register(session);
		for (String room : state.rooms()) {
			// the cluster made this atomic with its deliveries; the snapshot follows with the new token
			session.joinLocal(room);
		}
		ClusterBridge cluster = this.manager.clusterBridge();
		if (cluster != null) {
			cluster.sessionStarted(session.id());
		}
		return session;
	}

	PulseConnection attachAdopted(PulseConnection adopted, Transport transport, long lastSeq) {
		PulseSession session = (PulseSession) adopted;
		String token = this.tokens.issue(session);
		tokenIssued(session, token);
		SessionStates.Resumption resumption = this.states.resume(session, transport, lastSeq, null, token);
		if (resumption == null) {
			// ended while it was being adopted (a kick): the client gets a fresh session
			this.tokens.revoke(token, false, this.manager.nanoTime());
			return this.manager.openNew(transport, ConnectDecision.accept(List.copyOf(session.roomSet())), session.principal(),
					"unknown");
		}
		resumed(session, resumption, " handed over by another node");
		session.writer.drain();
		// resume() queued onTransportRestore; delivered off the caller's thread (the cluster's subscription)
		this.manager.execute(() -> this.states.deliver(session));
		return session;
	}

}
