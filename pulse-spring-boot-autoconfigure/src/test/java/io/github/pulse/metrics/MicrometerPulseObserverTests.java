package io.github.pulse.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.pulse.DisconnectReason;
import io.github.pulse.codec.JacksonPulseCodec;
import io.github.pulse.core.ClusterBridge;
import io.github.pulse.core.ClusterStatus;
import io.github.pulse.core.EncodedBody;
import io.github.pulse.core.PulseObserver;
import io.github.pulse.core.PulseSettings;
import io.github.pulse.core.SessionManager;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class MicrometerPulseObserverTests {

	private final MeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void observerAndBinderRegisterEveryMeterOfPulseMetersWithItsTypeAndDescription() {
		new MicrometerPulseObserver(this.registry, false, 100);
		SessionManager manager = new SessionManager(PulseSettings.defaults(), new JacksonPulseCodec(), List.of(),
				PulseObserver.NOOP, System::nanoTime);
		manager.setClusterBridge(new IdleClusterBridge());
		new PulseMeterBinder(manager).bindTo(this.registry);
		for (PulseMeters meter : PulseMeters.values()) {
			List<Meter> registered = List.copyOf(this.registry.find(meter.meterName()).meters());
			assertThat(registered).as(meter.meterName()).isNotEmpty();
			assertThat(registered).allSatisfy((each) -> {
				assertThat(each.getId().getType()).as(meter.meterName()).isEqualTo(meter.type());
				assertThat(each.getId().getDescription()).isEqualTo(meter.description());
				assertThat(each.getId().getTags())
					.allSatisfy((tag) -> assertThat(meter.tagKeys()).contains(tag.getKey()));
			});
		}
		// the simple registry publishes the latency buckets as extra "<timer>.histogram" gauges
		assertThat(this.registry.getMeters())
			.allSatisfy((meter) -> assertThat(PulseMeters.values()).extracting(PulseMeters::meterName)
				.contains(meter.getId().getName().replaceFirst("\\.histogram$", "")));
		manager.shutdown();
	}

	@Test
	void closedSessionsAreCountedAndTimedByReason() {
		MicrometerPulseObserver observer = new MicrometerPulseObserver(this.registry, false, 100);
		observer.sessionClosed(DisconnectReason.SLOW_CONSUMER, Duration.ofSeconds(3).toNanos());
		observer.sessionClosed(DisconnectReason.SLOW_CONSUMER, Duration.ofSeconds(5).toNanos());
		observer.sessionClosed(DisconnectReason.NORMAL, Duration.ofSeconds(1).toNanos());
		assertThat(this.registry.get("pulse.connections.closed").tag("reason", "slow-consumer").counter().count())
			.isEqualTo(2);
		assertThat(this.registry.get("pulse.session.duration")
			.tag("reason", "slow-consumer")
			.timer()
			.totalTime(TimeUnit.SECONDS)).isEqualTo(8);
		assertThat(this.registry.get("pulse.connections.closed").tag("reason", "normal").counter().count())
			.isEqualTo(1);
		assertThat(this.registry.get("pulse.connections.closed").tag("reason", "kicked").counter().count()).isZero();
	}

	@Test
	void messagesAreCountedWithSizesAndDeliveryLatencyAndReportedAsTotals() {
		MicrometerPulseObserver observer = new MicrometerPulseObserver(this.registry, false, 100);
		observer.messageReceived(100);
		observer.messageSent(40, Duration.ofMillis(2).toNanos());
		observer.messageSent(60, Duration.ofMillis(4).toNanos());
		assertThat(observer.messagesReceived()).isEqualTo(1);
		assertThat(observer.messagesSent()).isEqualTo(2);
		assertThat(this.registry.get("pulse.messages.received").functionCounter().count()).isEqualTo(1);
		assertThat(this.registry.get("pulse.messages.sent").functionCounter().count()).isEqualTo(2);
		assertThat(this.registry.get("pulse.messages.received.bytes").functionCounter().count()).isEqualTo(100);
		assertThat(this.registry.get("pulse.messages.sent.bytes").functionCounter().count()).isEqualTo(100);
		assertThat(this.registry.get("pulse.delivery.latency").timer().totalTime(TimeUnit.MILLISECONDS))
			.isEqualTo(6);
	}

	@Test
	void duplicatesAreCountedApartFromTheMessagesReceived() {
		MicrometerPulseObserver observer = new MicrometerPulseObserver(this.registry, false, 100);
		assertThat(this.registry.get("pulse.messages.duplicates").counter().count()).as("published from the start")
			.isZero();
		observer.messageReceived(10);
		observer.duplicateDropped();
		observer.duplicateDropped();
		assertThat(this.registry.get("pulse.messages.duplicates").counter().count()).isEqualTo(2);
		assertThat(observer.messagesReceived()).isEqualTo(1);
	}

	@Test
	void resumeOutcomesAreCountedAndReplayedFramesRecordedOnlyForResumes() {
		MicrometerPulseObserver observer = new MicrometerPulseObserver(this.registry, false, 100);
		observer.resumeAttempt("resumed", 7);
		observer.resumeAttempt("expired", 0);
		assertThat(this.registry.get("pulse.resume.attempts").tag("outcome", "resumed").counter().count()).isEqualTo(1);
		assertThat(this.registry.get("pulse.resume.attempts").tag("outcome", "expired").counter().count()).isEqualTo(1);
		assertThat(this.registry.get("pulse.resume.attempts").tag("outcome", "unknown").counter().count()).isZero();
		assertThat(this.registry.get("pulse.resume.replayed").summary().count()).isEqualTo(1);
		assertThat(this.registry.get("pulse.resume.replayed").summary().totalAmount()).isEqualTo(7);
	}

	@Test
	void causesOutsideTheExpectedSetAreRegisteredWhenFirstSeen() {
		MicrometerPulseObserver observer = new MicrometerPulseObserver(this.registry, false, 100);
		assertThat(this.registry.find("pulse.handshakes.rejected").tag("cause", "too-many-requests").counter())
			.isNull();
		observer.handshakeRejected("too-many-requests");
		observer.handshakeRejected("too-many-requests");
		observer.frameDropped("send-buffer-overflow");
		assertThat(this.registry.get("pulse.handshakes.rejected").tag("cause", "too-many-requests").counter().count())
			.isEqualTo(2);
		assertThat(this.registry.get("pulse.frames.dropped").tag("cause", "send-buffer-overflow").counter().count())
			.isEqualTo(1);
	}

	@Test
	void withoutRoomTagsBroadcastMetersCarryNoRoom() {
		MicrometerPulseObserver observer = new MicrometerPulseObserver(this.registry, false, 100);
		observer.broadcast("lobby", 3);
		observer.broadcast("ops", 2);
		assertThat(this.registry.get("pulse.broadcasts").counter().getId().getTags()).isEmpty();
		assertThat(this.registry.get("pulse.broadcasts").counter().count()).isEqualTo(2);
		assertThat(this.registry.get("pulse.broadcast.recipients").summary().totalAmount()).isEqualTo(5);
	}

	@Test
	void roomTagsStopAtTheCapAndFurtherRoomsShareOther() {
		MicrometerPulseObserver observer = new MicrometerPulseObserver(this.registry, true, 2);
		for (String room : List.of("a", "b", "c", "d", "b")) {
			observer.broadcast(room, 1);
		}
		assertThat(this.registry.find("pulse.broadcasts").counters()).hasSize(3);
		assertThat(this.registry.get("pulse.broadcasts").tag("room", "b").counter().count()).isEqualTo(2);
		assertThat(this.registry.get("pulse.broadcasts").tag("room", "other").counter().count()).isEqualTo(2);
		assertThat(this.registry.get("pulse.broadcast.recipients").tag("room", "other").summary().count())
			.isEqualTo(2);
	}

	@Test
	void roomTagsNeedAPositiveCap() {
		assertThatIllegalArgumentException().isThrownBy(() -> new MicrometerPulseObserver(this.registry, true, 0))
			.withMessageContaining("maxRoomTags (0) must be positive");
	}

	/** A cluster bridge that connects nowhere, for the cluster meters. */
	private static final class IdleClusterBridge implements ClusterBridge {

		@Override
		public int broadcast(String room, EncodedBody body, java.util.function.IntSupplier localDelivery) {
			return localDelivery.getAsInt();
		}

		@Override
		public boolean send(String connectionId, EncodedBody body) {
			return false;
		}

		@Override
		public boolean kick(String connectionId) {
			return false;
		}

		@Override
		public void sessionStarted(String connectionId) {
		}

		@Override
		public void sessionEnded(String connectionId) {
		}

		@Override
		public ClusterStatus status() {
			return new ClusterStatus("node", true, 1, 0, 0, null);
		}

	}

}
