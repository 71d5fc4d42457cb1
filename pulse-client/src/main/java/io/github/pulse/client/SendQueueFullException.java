package io.github.pulse.client;

/**
 * A send was refused because the outbound queue already holds as many frames as it may.
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
		super("Outbound queue is full (" + capacity + " frames waiting for the connection); send of '" + event
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
