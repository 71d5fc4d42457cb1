package io.github.pulse.core;

/**
 * Connects the engine to the other nodes of a cluster. The engine calls it only when one is set
 * ({@link SessionManager#setClusterBridge}), so a single node pays nothing. Implementations must never block a
 * caller on the network for long: broadcasts and commands are queued, lookups fail fast while the cluster is
 * unreachable.
 */
public interface ClusterBridge {

	/**
	 * A broadcast was delivered to this node's members; deliver it on the other nodes.
	 * @param room the room
	 * @param body the encoded frame body, shared by every recipient
	 */
	void broadcast(String room, EncodedBody body);

	/**
	 * Sends to a connection that does not live on this node.
	 * @param connectionId the connection id
	 * @param body the encoded frame body
	 * @return whether the connection is known to live on another node and the frame was handed over for it
	 */
	boolean send(String connectionId, EncodedBody body);

	/**
	 * Kicks a connection that does not live on this node.
	 * @param connectionId the connection id
	 * @return whether the connection is known to live on another node and the kick was handed over for it
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
	 * Current view of the cluster, without network I/O.
	 * @return the status
	 */
	ClusterStatus status();

}
