package io.github.pulse.metrics;

import java.util.List;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

/**
 * Every meter pulse publishes, with its type, base unit, description and tag keys. Counted things (connections,
 * frames, messages) carry no base unit so that Prometheus names read {@code pulse_connections_active} rather than
 * {@code pulse_connections_active_connections}; sizes are in bytes and timers in seconds.
 * <p>
 * Tags are bounded: {@code reason} and {@code cause} take a fixed set of values, {@code outcome} three, and
 * {@code room} appears only with {@code pulse.metrics.room-tags=true}, capped by {@code pulse.metrics.max-room-tags}
 * (further rooms share the value {@code other}). No meter is ever tagged with a connection id.
 */
public enum PulseMeters {

	/** Gauge of live connections. */
	CONNECTIONS_ACTIVE("pulse.connections.active", Meter.Type.GAUGE, null,
			"Live connections: sessions with an open WebSocket transport"),

	/** Gauge of suspended sessions. */
	SESSIONS_SUSPENDED("pulse.sessions.suspended", Meter.Type.GAUGE, null,
			"Sessions whose transport dropped, waiting to be resumed"),

	/** Gauge of rooms. */
	ROOMS_ACTIVE("pulse.rooms.active", Meter.Type.GAUGE, null, "Rooms with at least one member"),

	/** Gauge of rooms with presence that someone is present in. */
	PRESENCE_ROOMS("pulse.presence.rooms", Meter.Type.GAUGE, null,
			"Rooms with presence (pulse.rooms.presence) in which a user is present, through a connection of this "
					+ "node or, on a cluster, of another as this node knows"),

	/** Gauge of users present through this node. */
	PRESENCE_USERS("pulse.presence.users", Meter.Type.GAUGE, null,
			"Users present through a connection of this node in at least one room with presence"),

	/** Counter of broadcasts filled in from the room streams after a gap in the subscription. */
	CLUSTER_BROADCASTS_FILLED("pulse.cluster.broadcasts.filled", Meter.Type.COUNTER, null,
			"Broadcasts this node's subscription lost (a cut subscription, a full inbox) and it filled in from the "
					+ "room streams; only with pulse.cluster.enabled"),

	/** Counter of broadcasts lost beyond the room streams and reported in missed. */
	CLUSTER_BROADCASTS_MISSED("pulse.cluster.broadcasts.missed", Meter.Type.COUNTER, null,
			"Broadcasts to rooms with members on this node that were lost and no longer in the room streams; "
					+ "reported to the members in missed; only with pulse.cluster.enabled"),

	/** Gauge of live connections on all nodes of the cluster. */
	CLUSTER_CONNECTIONS_ACTIVE("pulse.cluster.connections.active", Meter.Type.GAUGE, null,
			"Live connections on all nodes of the cluster, as of this node's last heartbeat; only with "
					+ "pulse.cluster.enabled"),

	/** Gauge of live cluster nodes. */
	CLUSTER_NODES("pulse.cluster.nodes", Meter.Type.GAUGE, null,
			"Live nodes of the cluster, this one included, as of this node's last heartbeat; only with "
					+ "pulse.cluster.enabled"),

	/** Gauge of Redis reachability. */
	CLUSTER_AVAILABLE("pulse.cluster.available", Meter.Type.GAUGE, null,
			"1 while this node reaches Redis, 0 while it serves only its own connections; only with "
					+ "pulse.cluster.enabled"),

	/** Cross-node operations lost. */
	CLUSTER_PUBLISH_FAILURES("pulse.cluster.publish.failures", Meter.Type.COUNTER, null,
			"Broadcasts, sends, kicks and directory updates that could not be handed to Redis; only with "
					+ "pulse.cluster.enabled"),

	/** Resumes of sessions whose node died. */
	CLUSTER_DEAD_RESUMES("pulse.cluster.takeovers", Meter.Type.COUNTER, null,
			"Sessions resumed on this node after the node holding them died, rebuilt from their snapshot in Redis; "
					+ "only with pulse.cluster.enabled"),

	/** Broadcasts recovered from the room streams. */
	CLUSTER_DEAD_RESUME_RECOVERED("pulse.cluster.takeover.recovered", Meter.Type.COUNTER, null,
			"Broadcasts replayed from the per-room Redis streams by resumes after a node died; only with "
					+ "pulse.cluster.enabled"),

	/** Frames reported missed. */
	CLUSTER_DEAD_RESUME_MISSED("pulse.cluster.takeover.missed", Meter.Type.COUNTER, null,
			"Frames reported in missed by resumes after a node died (beyond the stream retention, direct sends, "
					+ "frames sent before the last snapshot); only with pulse.cluster.enabled"),

	/** Sessions started. */
	CONNECTIONS_OPENED("pulse.connections.opened", Meter.Type.COUNTER, null,
			"Sessions started; a resume continues a session and is not counted"),

	/** Sessions ended, by reason. */
	CONNECTIONS_CLOSED("pulse.connections.closed", Meter.Type.COUNTER, null, "Sessions ended, by reason", "reason"),

	/** Session lifetimes, by reason. */
	SESSION_DURATION("pulse.session.duration", Meter.Type.TIMER, "seconds",
			"Lifetime of ended sessions, from open to end, by reason", "reason"),

	/** Transports lost abnormally whose session was suspended. */
	TRANSPORTS_DROPPED("pulse.transports.dropped", Meter.Type.COUNTER, null,
			"Transports lost without a close frame whose session was suspended for resume, by cause", "cause"),

	/** Resume attempts, by outcome. */
	RESUME_ATTEMPTS("pulse.resume.attempts", Meter.Type.COUNTER, null,
			"Resume attempts, by outcome: resumed, expired, unknown, rate-limited or retry-later", "outcome"),

	/** Frames replayed per successful resume. */
	RESUME_REPLAYED("pulse.resume.replayed", Meter.Type.DISTRIBUTION_SUMMARY, null,
			"Frames replayed per successful resume"),

	/** Inbound application messages. */
	MESSAGES_RECEIVED("pulse.messages.received", Meter.Type.COUNTER, null, "Application messages received"),

	/** Bytes of inbound application messages. */
	MESSAGES_RECEIVED_BYTES("pulse.messages.received.bytes", Meter.Type.COUNTER, "bytes",
			"Total size of application messages received, in UTF-8 bytes"),

	/** Numbered client messages dropped as duplicates. */
	MESSAGES_DUPLICATES("pulse.messages.duplicates", Meter.Type.COUNTER, null,
			"Numbered client messages (cseq) received again after they were processed, as a client re-sends after a "
					+ "resume what it had no ack for, and dropped without running a handler"),

	/** Outbound application message frames written. */
	MESSAGES_SENT("pulse.messages.sent", Meter.Type.COUNTER, null,
			"Application message frames written to a socket, one per recipient"),

	/** Bytes of outbound application message frames. */
	MESSAGES_SENT_BYTES("pulse.messages.sent.bytes", Meter.Type.COUNTER, "bytes",
			"Total size of application message frames written, in UTF-8 bytes"),

	/** Broadcasts. */
	BROADCASTS("pulse.broadcasts", Meter.Type.COUNTER, null, "Broadcasts to a room; tagged by room only when enabled",
			"room"),

	/** Recipients per broadcast. */
	BROADCAST_RECIPIENTS("pulse.broadcast.recipients", Meter.Type.DISTRIBUTION_SUMMARY, null,
			"Members a broadcast was queued for", "room"),

	/** Outbound frames dropped, by cause. */
	FRAMES_DROPPED("pulse.frames.dropped", Meter.Type.COUNTER, null,
			"Outbound message frames dropped, by cause: send-buffer-overflow or resume-buffer-overflow", "cause"),

	/** Inbound frames rejected, by cause. */
	FRAMES_REJECTED("pulse.frames.rejected", Meter.Type.COUNTER, null,
			"Inbound frames rejected or ignored, by cause: malformed, too-big, binary, rate-limit or unknown-type",
			"cause"),

	/** Heartbeat timeouts. */
	HEARTBEAT_TIMEOUTS("pulse.heartbeat.timeouts", Meter.Type.COUNTER, null,
			"Transports that did not answer a ping within the heartbeat timeout"),

	/** Ping to pong round trips. */
	HEARTBEAT_RTT("pulse.heartbeat.rtt", Meter.Type.TIMER, "seconds", "Round trip from a server ping to its pong"),

	/** Time from enqueue to written. */
	DELIVERY_LATENCY("pulse.delivery.latency", Meter.Type.TIMER, "seconds",
			"Time from queueing an application message frame to writing it on the socket"),

	/** Listener failures. */
	HANDLER_ERRORS("pulse.handler.errors", Meter.Type.COUNTER, null,
			"Inbound messages whose PulseListener threw; the connection is closed with 1011"),

	/** Handshakes rejected before the upgrade, by cause. */
	HANDSHAKES_REJECTED("pulse.handshakes.rejected", Meter.Type.COUNTER, null,
			"Handshakes rejected before the upgrade, by cause: unauthorized, forbidden, bad-request, "
					+ "unsupported-protocol, max-connections, max-connections-per-address, handshake-rate, "
					+ "shutting-down or another HTTP status",
			"cause");

	private final String meterName;

	private final Meter.Type type;

	private final @Nullable String baseUnit;

	private final String description;

	private final List<String> tagKeys;

	PulseMeters(String meterName, Meter.Type type, @Nullable String baseUnit, String description, String... tagKeys) {
		this.meterName = meterName;
		this.type = type;
		this.baseUnit = baseUnit;
		this.description = description;
		this.tagKeys = List.of(tagKeys);
	}

	/**
	 * Meter name, dotted lower case.
	 * @return the name, such as {@code pulse.connections.active}
	 */
	public String meterName() {
		return this.meterName;
	}

	/**
	 * Meter type.
	 * @return the type
	 */
	public Meter.Type type() {
		return this.type;
	}

	/**
	 * Base unit: {@code bytes}, {@code seconds} (timers, whose unit the registry chooses) or {@code null} for
	 * counted things.
	 * @return the base unit or {@code null}
	 */
	public @Nullable String baseUnit() {
		return this.baseUnit;
	}

	/**
	 * Description, also published as the meter's help text.
	 * @return the description
	 */
	public String description() {
		return this.description;
	}

	/**
	 * Tag keys. {@code room} is published only with {@code pulse.metrics.room-tags=true}.
	 * @return the tag keys, empty for untagged meters
	 */
	public List<String> tagKeys() {
		return this.tagKeys;
	}

	/**
	 * Starts a counter of this meter.
	 * @return a builder with name, description and base unit set
	 */
	public Counter.Builder counter() {
		check(Meter.Type.COUNTER);
		return Counter.builder(this.meterName).description(this.description).baseUnit(this.baseUnit);
	}

	/**
	 * Starts a function counter of this meter.
	 * @param <T> type of the counted object
	 * @param object the counted object; the registry holds it weakly, the caller must keep it
	 * @param count reads the count
	 * @return a builder with name, description and base unit set
	 */
	public <T> FunctionCounter.Builder<T> functionCounter(T object, ToDoubleFunction<T> count) {
		check(Meter.Type.COUNTER);
		return FunctionCounter.builder(this.meterName, object, count)
			.description(this.description)
			.baseUnit(this.baseUnit);
	}

	/**
	 * Starts a timer of this meter.
	 * @return a builder with name and description set
	 */
	public Timer.Builder timer() {
		check(Meter.Type.TIMER);
		return Timer.builder(this.meterName).description(this.description);
	}

	/**
	 * Starts a distribution summary of this meter.
	 * @return a builder with name, description and base unit set
	 */
	public DistributionSummary.Builder summary() {
		check(Meter.Type.DISTRIBUTION_SUMMARY);
		return DistributionSummary.builder(this.meterName).description(this.description).baseUnit(this.baseUnit);
	}

	/**
	 * Starts a gauge of this meter.
	 * @param <T> type of the measured object
	 * @param object the measured object; held strongly
	 * @param value reads the value
	 * @return a builder with name, description and base unit set
	 */
	public <T> Gauge.Builder<T> gauge(T object, ToDoubleFunction<T> value) {
		check(Meter.Type.GAUGE);
		return Gauge.builder(this.meterName, object, value)
			.description(this.description)
			.baseUnit(this.baseUnit)
			.strongReference(true);
	}

	private void check(Meter.Type expected) {
		if (this.type != expected) {
			throw new IllegalStateException(this.meterName + " is a " + this.type + ", not a " + expected);
		}
	}

}
