package io.github.pulse.metrics;

/**
 * Running totals of application messages since startup, for the Actuator {@code pulse} endpoint. Implemented by
 * {@link MicrometerPulseObserver}; has no Micrometer types so that it can be looked up without Micrometer.
 */
public interface PulseMessageTotals {

	/**
	 * Application messages received.
	 * @return the total since startup
	 */
	long messagesReceived();

	/**
	 * Application message frames written to a socket, one per recipient.
	 * @return the total since startup
	 */
	long messagesSent();

}
