package io.github.pulse.core;

import java.security.Principal;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnection;
import org.jspecify.annotations.Nullable;

/**
 * Connects the engine to the other nodes of a cluster. The engine calls it only when one is set
 * ({@link SessionManager#setClusterBridge}), so a single node pays nothing. Implementations never make a caller
 * wait for the network, except {@link #resume} (bounded): broadcasts, sends, kicks, membership changes, tokens and
 * counts are queued; where the client must not get ahead of the cluster, the session's writes wait instead
 * ({@link SessionManager#holdWrites}). Calls from the bridge's own threads into the engine never run listener
 * callbacks on those threads.
 */
public interface ClusterBridge {

	/**
	 * A broadcast of this node: deliver it to this node's members and on the other nodes. A bridge that orders
	 * broadcasts cluster-wide delivers locally in that order; {@code localDelivery} delivers at once (for example
	 * while the cluster is unreachable).
	 * @param room the room
	 * @param body the encoded frame body, shared by every recipient
	 * @param localDelivery delivers to this node's members and returns how many were reached
	 * @return the members reached on this node
	 */
	int broadcast(String room, EncodedBody body, IntSupplier localDelivery);

	/**
	 * A resume token was issued to a session of this node (on open and on every resume), so that other nodes can
	 * find the session's owner, and resume it if this node dies. Called on the handshake's thread: the bridge must
	 * not wait for the network, and holds the session's writes instead (see
	 * {@link SessionManager#holdWrites}) until the token is where a resume on another node looks for it. If another
	 * node took the session over meanwhile (it resumed there while this node was taken for dead), the bridge ends
	 * the session here ({@link SessionManager#endTakenOver}).
	 * @param session the session
	 * @param tokenKey the token's lookup half, which grants nothing by itself
	 * @param secretDigest SHA-256 of the token's secret half
	 */
	default void tokenIssued(PulseConnection session, String tokenKey, byte[] secretDigest) {
	}

	/**
	 * A session of this node joins or leaves a room. The bridge may record it before {@code apply} makes it
	 * effective, without waiting for the network (the change applies at once); the default just applies it. Never
	 * called with a session lock held.
	 * @param session the session
	 * @param room the room
	 * @param join {@code true} to join, {@code false} to leave
	 * @param apply makes the change on this node and returns whether membership changed
	 * @return what {@code apply} returned
	 */
	default boolean changeMembership(PulseConnection session, String room, boolean join, BooleanSupplier apply) {
		return apply.getAsBoolean();
	}

	/**
	 * Runs a client's join of a room with history in the order of the room's deliveries on this node: once this
	 * node's copy of the room's history holds what the cluster kept of it (read once per room, never on the
	 * caller's thread: then {@code join} runs later, on another thread, after anything else waiting for the same
	 * read), with the membership change recorded as {@link #changeMembership} does, under the lock every delivery
	 * of a broadcast takes.
	 * @param session the joining session of this node
	 * @param room the room
	 * @param join joins the session and queues its answer and history, using {@link SessionManager#history()}
	 */
	default void joinInHistoryOrder(PulseConnection session, String room, BooleanSupplier join) {
		changeMembership(session, room, true, join);
	}

	/**
	 * A direct send to a session of this node is about to be queued: count it where a resume after this node's
	 * death can read it. Must not wait for the network (the bridge may hold the session's writes until the count
	 * is recorded).
	 * @param connectionId the session's id
	 * @return whether it was counted
	 */
	default boolean countDirectSend(String connectionId) {
		return false;
	}

	/**
	 * Resumes a session that this node does not hold: asks the node owning the token to hand it over and rebuilds
	 * it here on the given transport (with {@link SessionManager#adopt} and {@link SessionManager#attachAdopted}).
	 * Blocks up to a bounded timeout.
	 * @param token the token the client presented
	 * @param tokenKey its lookup half
	 * @param lastSeq the last sequence number the client received
	 * @param transport the new transport
	 * @param decision the connect handler's decision
	 * @param principal the handshake principal
	 * @return the outcome; the default knows no other node
	 */
	default RemoteResume resume(String token, String tokenKey, long lastSeq, Transport transport,
			ConnectDecision decision, @Nullable Principal principal) {
		return RemoteResume.UNKNOWN;
	}

	/**
	 * Outcome of {@link #resume}.
	 *
	 * @param connection the session now attached to the transport, or {@code null} if the resume failed
	 * @param failure {@code "expired"} or {@code "unknown"} when it failed, {@code "retry"} when it cannot be
	 * decided now
	 */
	record RemoteResume(@Nullable PulseConnection connection, @Nullable String failure) {

		/** No node holds the token. */
		public static final RemoteResume UNKNOWN = new RemoteResume(null, "unknown");

		/**
		 * Cannot be decided now (Redis away, or the live owner did not answer): the session may well be alive, so
		 * the client is told to try again (close 1013) rather than given a fresh session.
		 */
		public static final RemoteResume RETRY = new RemoteResume(null, "retry");

	}

	/**
	 * Sends to a connection that does not live on this node, without waiting for the network.
	 * @param connectionId the connection id
	 * @param body the encoded frame body
	 * @return whether the cluster accepted the frame: it reaches the connection if a node holds it when the frame
	 * gets to the cluster, and is dropped otherwise
	 */
	boolean send(String connectionId, EncodedBody body);

	/**
	 * Sends to a user's connections on the other nodes, without waiting for the network; each node that holds some
	 * delivers to them with {@link SessionManager#deliverToUser}.
	 * @param user the user
	 * @param body the encoded frame body
	 * @return whether the cluster accepted the frame
	 */
	default boolean sendToUser(String user, EncodedBody body) {
		return false;
	}

	/**
	 * The count of a user's connections in a room with presence changed on this node: tell the other nodes, without
	 * waiting for the network. Called under the room's presence lock, in the order the counts changed.
	 * @param room the room
	 * @param user the user
	 * @param count its connections in the room on this node now, 0 for none
	 */
	default void presenceChanged(String room, String user, int count) {
	}

	/**
	 * Kicks a connection that does not live on this node, without waiting for the network.
	 * @param connectionId the connection id
	 * @return whether the cluster accepted the kick, for whichever node holds the connection when it gets there
	 */
	boolean kick(String connectionId);

	/**
	 * A session started on this node.
	 * @param connectionId its id
	 */
	void sessionStarted(String connectionId);

	/**
	 * A session of this node ended.
	 * @param connectionId its id
	 */
	void sessionEnded(String connectionId);

	/**
	 * Resumes of sessions whose node died completed on this node since start.
	 * @return the counts; the default knows none
	 */
	default DeadResumes deadResumes() {
		return DeadResumes.NONE;
	}

	/**
	 * Counts of resumes after a node died.
	 *
	 * @param resumes sessions resumed here after the node holding them died
	 * @param recovered broadcasts they replayed from the room streams
	 * @param missed frames they reported in {@code missed}
	 */
	record DeadResumes(long resumes, long recovered, long missed) {

		/** Nothing yet. */
		public static final DeadResumes NONE = new DeadResumes(0, 0, 0);

	}

	/**
	 * Broadcasts this node's subscription lost and it then filled in from Redis, or counted, since start.
	 * @return the counts; the default knows none
	 */
	default Gaps gaps() {
		return Gaps.NONE;
	}

	/**
	 * Counts of broadcasts that did not arrive the normal way.
	 *
	 * @param filled broadcasts filled in from the room streams after a gap
	 * @param missed broadcasts to rooms with members here that were no longer in the streams: reported to those
	 * members in {@code missed}
	 */
	record Gaps(long filled, long missed) {

		/** Nothing yet. */
		public static final Gaps NONE = new Gaps(0, 0);

	}

	/**
	 * Current view of the cluster, without network I/O.
	 * @return the status
	 */
	ClusterStatus status();

}
