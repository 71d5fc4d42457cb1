package io.github.pulse.core;

import io.micrometer.common.KeyValue;
import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The Micrometer observations of pulse. With Micrometer Tracing each becomes a span; with a meter observation
 * handler, a timer of the same name. Key values are low-cardinality only: never a connection id, an event name or
 * a room.
 */
public enum PulseObservationDocumentation implements ObservationDocumentation {

	/**
	 * A WebSocket handshake that passed the origin check: pulse's own checks (shutdown, connection limit, resume
	 * parameters) and the connect handler's decision. The connect handler runs in its scope.
	 */
	HANDSHAKE {

		@Override
		public String getName() {
			return "pulse.handshake";
		}

		@Override
		public String getContextualName() {
			return "pulse handshake";
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { LowCardinalityKeyNames.OUTCOME };
		}

	},

	/**
	 * Handling of one inbound application message by the {@code PulseListener}s. Listeners run in its scope.
	 */
	MESSAGE {

		@Override
		public String getName() {
			return "pulse.message";
		}

		@Override
		public String getContextualName() {
			return "pulse message";
		}

		@Override
		public KeyName[] getLowCardinalityKeyNames() {
			return new KeyName[] { LowCardinalityKeyNames.OUTCOME };
		}

	};

	/** {@code outcome=success}: every listener returned. */
	public static final KeyValue OUTCOME_SUCCESS = LowCardinalityKeyNames.OUTCOME.withValue("success");

	/** {@code outcome=error}: a listener threw. */
	public static final KeyValue OUTCOME_ERROR = LowCardinalityKeyNames.OUTCOME.withValue("error");

	/**
	 * Creates and starts this observation.
	 * @param registry the registry; with {@link ObservationRegistry#NOOP} the result is a no-op
	 * @return the started observation
	 */
	public Observation start(ObservationRegistry registry) {
		return observation(registry).start();
	}

	/**
	 * Low-cardinality key names of pulse observations.
	 */
	public enum LowCardinalityKeyNames implements KeyName {

		/**
		 * Handshake: {@code accepted} or the rejection cause ({@code unauthorized}, {@code forbidden},
		 * {@code bad-request}, {@code max-connections}, {@code shutting-down}, ...). Message: {@code success} or
		 * {@code error}.
		 */
		OUTCOME {

			@Override
			public String asString() {
				return "outcome";
			}

		}

	}

}
