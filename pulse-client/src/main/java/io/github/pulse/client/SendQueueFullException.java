package io.github.pulse.client;

/**
 * A send was refused because the client already holds as many messages as it may: waiting for the connection plus
 * written and not yet acknowledged by the server. The refused message was not taken.
 */
public class SendQueueFullException extends PulseClientException {

	/** Capacity of the full queue, in frames. */
	private final int capacity;

	/**
	 * Creates the exception.
	 * @param event the event of the refused send
	 * @param capacity the queue's capacity
	 */
	public SendQueueFullException(String event, int capacity) {
		super("Send queue is full (" + capacity + " messages held: waiting for the connection, or written and not yet "
				+ "acknowledged by the server); send of '" + event
				+ "' refused. Wait for earlier sends to complete or raise sendQueueCapacity", null);
		this.capacity = capacity;
	}

	/**
	 * Capacity of the queue that was full.
	 * @return the capacity in frames
	 */
	public int capacity() {
		return this.capacity;
	}

}
