package io.github.pulse.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import io.github.pulse.DisconnectReason;
import io.github.pulse.core.PulseObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

/**
 * Records the engine's events as the Micrometer meters listed in {@link PulseMeters}. Every meter is resolved once,
 * at construction or the first time a tag value is seen, and cached: the hot path does an array index or a map
 * lookup and an increment, and builds no tags. Message counts and sizes, recorded once per message or per
 * recipient, are {@link LongAdder}s that the registry reads on scrape (the counts also feed the Actuator endpoint
 * through {@link PulseMessageTotals}); only the delivery latency is a full timer on that path.
 * <p>
 * Gauges are published by {@link PulseMeterBinder}, which reads the engine; this class needs no engine reference
 * so that the engine can take it as a constructor argument.
 */
public class MicrometerPulseObserver implements PulseObserver, PulseMessageTotals {

	/** Tag value of the rooms beyond {@code pulse.metrics.max-room-tags}. */
	public static final String OTHER_ROOM = "other";

	private static final Duration[] LATENCY_BUCKETS = { Duration.ofMillis(1), Duration.ofMillis(5),
			Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
			Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
			Duration.ofSeconds(5), Duration.ofSeconds(10) };

	private static final DisconnectReason[] REASONS = DisconnectReason.values();

	private static final String[] REASON_TAGS = new String[REASONS.length];

	static {
		for (DisconnectReason reason : REASONS) {
			REASON_TAGS[reason.ordinal()] = reason.tagValue();
		}
	}

	private final MeterRegistry registry;

	private final LongAdder received = new LongAdder();

	private final LongAdder sent = new LongAdder();

	private final LongAdder receivedBytes = new LongAdder();

	private final LongAdder sentBytes = new LongAdder();

	private final Counter opened;

	private final Counter duplicates;

	private final Counter[] closed = new Counter[REASONS.length];

	private final Timer[] durations = new Timer[REASONS.length];

	private final TaggedCounters transportsDropped;

	private final TaggedCounters resumeAttempts;

	private final DistributionSummary replayed;

	private final @Nullable BroadcastMeters broadcasts;

	private final @Nullable RoomTags roomTags;

	private final TaggedCounters framesDropped;

	private final TaggedCounters framesRejected;

	private final Counter heartbeatTimeouts;

	private final Timer heartbeatRtt;

	private final Timer deliveryLatency;

	private final Counter handlerErrors;

	private final TaggedCounters handshakesRejected;

	/**
	 * Registers the meters.
	 * @param registry the registry
	 * @param roomTags whether to tag broadcast meters with the room
	 * @param maxRoomTags distinct rooms tagged by name before further rooms are tagged {@value #OTHER_ROOM}
	 */
	public MicrometerPulseObserver(MeterRegistry registry, boolean roomTags, int maxRoomTags) {
		if (roomTags && maxRoomTags <= 0) {
			throw new IllegalArgumentException("maxRoomTags (" + maxRoomTags + ") must be positive");
		}
		this.registry = registry;
		PulseMeters.MESSAGES_RECEIVED.functionCounter(this.received, LongAdder::sum).register(registry);
		PulseMeters.MESSAGES_SENT.functionCounter(this.sent, LongAdder::sum).register(registry);
		PulseMeters.MESSAGES_RECEIVED_BYTES.functionCounter(this.receivedBytes, LongAdder::sum).register(registry);
		PulseMeters.MESSAGES_SENT_BYTES.functionCounter(this.sentBytes, LongAdder::sum).register(registry);
		this.opened = PulseMeters.CONNECTIONS_OPENED.counter().register(registry);
		this.duplicates = PulseMeters.MESSAGES_DUPLICATES.counter().register(registry);
		for (DisconnectReason reason : REASONS) {
			this.closed[reason.ordinal()] = PulseMeters.CONNECTIONS_CLOSED.counter()
				.tag("reason", REASON_TAGS[reason.ordinal()])
				.register(registry);
			this.durations[reason.ordinal()] = PulseMeters.SESSION_DURATION.timer()
				.tag("reason", REASON_TAGS[reason.ordinal()])
				.register(registry);
		}
		this.transportsDropped = new TaggedCounters(registry, PulseMeters.TRANSPORTS_DROPPED, "cause",
				DisconnectReason.HEARTBEAT_TIMEOUT.tagValue(), DisconnectReason.TRANSPORT_ERROR.tagValue());
		this.resumeAttempts = new TaggedCounters(registry, PulseMeters.RESUME_ATTEMPTS, "outcome", "resumed",
				"expired", "unknown", "rate-limited");
		this.replayed = PulseMeters.RESUME_REPLAYED.summary().register(registry);
		this.roomTags = roomTags ? new RoomTags(maxRoomTags) : null;
		this.broadcasts = roomTags ? null : broadcastMeters(null);
		this.framesDropped = new TaggedCounters(registry, PulseMeters.FRAMES_DROPPED, "cause", "send-buffer-overflow",
				"resume-buffer-overflow");
		this.framesRejected = new TaggedCounters(registry, PulseMeters.FRAMES_REJECTED, "cause", "malformed",
				"too-big", "binary", "rate-limit", "unknown-type");
		this.heartbeatTimeouts = PulseMeters.HEARTBEAT_TIMEOUTS.counter().register(registry);
		this.heartbeatRtt = PulseMeters.HEARTBEAT_RTT.timer()
			.serviceLevelObjectives(LATENCY_BUCKETS)
			.register(registry);
		this.deliveryLatency = PulseMeters.DELIVERY_LATENCY.timer()
			.serviceLevelObjectives(LATENCY_BUCKETS)
			.register(registry);
		this.handlerErrors = PulseMeters.HANDLER_ERRORS.counter().register(registry);
		this.handshakesRejected = new TaggedCounters(registry, PulseMeters.HANDSHAKES_REJECTED, "cause",
				"unauthorized", "forbidden", "bad-request", "max-connections", "shutting-down");
	}

	@Override
	public void sessionOpened() {
		this.opened.increment();
	}

	@Override
	public void sessionClosed(DisconnectReason reason, long durationNanos) {
		this.closed[reason.ordinal()].increment();
		this.durations[reason.ordinal()].record(durationNanos, TimeUnit.NANOSECONDS);
	}

	@Override
	public void transportDropped(DisconnectReason cause) {
		this.transportsDropped.increment(REASON_TAGS[cause.ordinal()]);
	}

	@Override
	public void resumeAttempt(String outcome, int replayed) {
		this.resumeAttempts.increment(outcome);
		if ("resumed".equals(outcome)) {
			this.replayed.record(replayed);
		}
	}

	@Override
	public void messageReceived(int bytes) {
		this.received.increment();
		this.receivedBytes.add(bytes);
	}

	@Override
	public void duplicateDropped() {
		this.duplicates.increment();
	}

	@Override
	public void messageSent(int bytes, long deliveryNanos) {
		this.sent.increment();
		this.sentBytes.add(bytes);
		this.deliveryLatency.record(deliveryNanos, TimeUnit.NANOSECONDS);
	}

	@Override
	public void broadcast(int recipients) {
		broadcastMeters(OTHER_ROOM, recipients);
	}

	@Override
	public void broadcast(String room, int recipients) {
		broadcastMeters(room, recipients);
	}

	private void broadcastMeters(String room, int recipients) {
		BroadcastMeters meters = (this.roomTags != null) ? this.roomTags.get(room) : this.broadcasts;
		if (meters != null) {
			meters.count.increment();
			meters.recipients.record(recipients);
		}
	}

	@Override
	public void frameDropped(String cause) {
		this.framesDropped.increment(cause);
	}

	@Override
	public void frameRejected(String cause) {
		this.framesRejected.increment(cause);
	}

	@Override
	public void heartbeatTimeout() {
		this.heartbeatTimeouts.increment();
	}

	@Override
	public void heartbeatRtt(long rttNanos) {
		this.heartbeatRtt.record(rttNanos, TimeUnit.NANOSECONDS);
	}

	@Override
	public void handlerError() {
		this.handlerErrors.increment();
	}

	@Override
	public void handshakeRejected(String cause) {
		this.handshakesRejected.increment(cause);
	}

	@Override
	public long messagesReceived() {
		return this.received.sum();
	}

	@Override
	public long messagesSent() {
		return this.sent.sum();
	}

	private BroadcastMeters broadcastMeters(@Nullable String room) {
		Counter.Builder count = PulseMeters.BROADCASTS.counter();
		DistributionSummary.Builder recipients = PulseMeters.BROADCAST_RECIPIENTS.summary();
		if (room != null) {
			count.tag("room", room);
			recipients.tag("room", room);
		}
		return new BroadcastMeters(count.register(this.registry), recipients.register(this.registry));
	}

	private record BroadcastMeters(Counter count, DistributionSummary recipients) {
	}

	/**
	 * Broadcast meters per room: the first {@code max} distinct rooms get their own, every further room shares
	 * {@value #OTHER_ROOM}. Lookups of known rooms and of rooms past the cap take no lock.
	 */
	private final class RoomTags {

		private final int max;

		private final Map<String, BroadcastMeters> meters = new ConcurrentHashMap<>();

		private volatile @Nullable BroadcastMeters other;

		RoomTags(int max) {
			this.max = max;
		}

		BroadcastMeters get(String room) {
			BroadcastMeters known = this.meters.get(room);
			if (known != null) {
				return known;
			}
			BroadcastMeters overflow = this.other;
			return (overflow != null) ? overflow : create(room);
		}

		private synchronized BroadcastMeters create(String room) {
			BroadcastMeters known = this.meters.get(room);
			if (known != null) {
				return known;
			}
			if (this.other != null) {
				return this.other;
			}
			BroadcastMeters created = broadcastMeters(room);
			this.meters.put(room, created);
			if (this.meters.size() >= this.max) {
				this.other = broadcastMeters(OTHER_ROOM);
			}
			return created;
		}

	}

	/**
	 * Counters of one meter by the value of one tag. The expected values are registered up front so that they are
	 * published as zero before the first event; other values are registered the first time they are seen (the
	 * engine emits a bounded set).
	 */
	private static final class TaggedCounters {

		private final MeterRegistry registry;

		private final PulseMeters meter;

		private final String tagKey;

		private final Map<String, Counter> counters = new ConcurrentHashMap<>();

		TaggedCounters(MeterRegistry registry, PulseMeters meter, String tagKey, String... expected) {
			this.registry = registry;
			this.meter = meter;
			this.tagKey = tagKey;
			for (String value : expected) {
				this.counters.put(value, register(value));
			}
		}

		void increment(String value) {
			Counter counter = this.counters.get(value);
			if (counter == null) {
				counter = this.counters.computeIfAbsent(value, this::register);
			}
			counter.increment();
		}

		private Counter register(String value) {
			return this.meter.counter().tag(this.tagKey, value).register(this.registry);
		}

	}

}
