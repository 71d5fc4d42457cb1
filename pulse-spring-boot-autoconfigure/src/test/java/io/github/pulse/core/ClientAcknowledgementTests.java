package io.github.pulse.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnection;
import io.github.pulse.codec.JacksonPulseCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pacing of the acknowledgements of numbered client messages ({@code pulse.inbound.ack-messages} and
 * {@code pulse.inbound.ack-interval}), on a clock driven by hand, and the count of dropped duplicates.
 */
class ClientAcknowledgementTests {

	private final AtomicLong now = new AtomicLong();

	private final AtomicInteger duplicates = new AtomicInteger();

	private SessionManager manager;

	private final FakeTransport transport = new FakeTransport().gathering();

	private PulseConnection connection;

	private void start(int ackMessages, Duration ackInterval) {
		PulseObserver observer = new PulseObserver() {
			@Override
			public void duplicateDropped() {
				ClientAcknowledgementTests.this.duplicates.incrementAndGet();
			}
		};
		this.manager = new SessionManager(PulseSettings.defaults().withClientAcks(ackMessages, ackInterval),
				new JacksonPulseCodec(), List.of(), observer, this.now::get);
		this.connection = this.manager.open(this.transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
	}

	@AfterEach
	void stop() {
		if (this.manager != null) {
			this.manager.shutdown();
		}
	}

	private void send(long... numbers) {
		for (long cseq : numbers) {
			String text = "{\"type\":\"message\",\"cseq\":" + cseq + ",\"event\":\"e\",\"payload\":" + cseq + "}";
			this.manager.onText(this.connection, this.transport, text, text.length());
		}
	}

	private List<String> acks() {
		return this.transport.texts.stream().filter((text) -> text.startsWith("{\"type\":\"ack\"")).toList();
	}

	private void advance(Duration duration) {
		this.now.addAndGet(duration.toNanos());
		this.manager.acknowledgeOwed();
	}

	@Test
	void anAcknowledgementGoesAtOnceAfterAckMessagesProcessedMessages() {
		start(4, Duration.ofHours(1));
		send(1, 2, 3);
		assertThat(acks()).isEmpty();
		send(4);
		assertThat(acks()).containsExactly("{\"type\":\"ack\",\"cseq\":4}");
		send(5, 6, 7, 8);
		assertThat(acks()).containsExactly("{\"type\":\"ack\",\"cseq\":4}", "{\"type\":\"ack\",\"cseq\":8}");
	}

	@Test
	void fewerMessagesAreAcknowledgedOnceTheyWereOwedForTheAckInterval() {
		start(16, Duration.ofMillis(200));
		send(1, 2);
		advance(Duration.ofMillis(199));
		assertThat(acks()).isEmpty();
		advance(Duration.ofMillis(1));
		assertThat(acks()).containsExactly("{\"type\":\"ack\",\"cseq\":2}");
		advance(Duration.ofSeconds(5));
		assertThat(acks()).as("nothing more is owed").hasSize(1);
		send(3);
		advance(Duration.ofMillis(100));
		assertThat(acks()).hasSize(1);
		advance(Duration.ofMillis(100));
		assertThat(acks()).containsExactly("{\"type\":\"ack\",\"cseq\":2}", "{\"type\":\"ack\",\"cseq\":3}");
	}

	@Test
	void anAcknowledgementOwedWhenTheCountAcknowledgesIsNotSentAgainByThePass() {
		start(2, Duration.ofMillis(200));
		send(1);
		send(2);
		advance(Duration.ofSeconds(1));
		assertThat(acks()).containsExactly("{\"type\":\"ack\",\"cseq\":2}");
	}

	@Test
	void duplicatesAreDroppedCountedAndAcknowledgedAgain() {
		start(16, Duration.ofMillis(100));
		send(1, 2, 1, 2, 3);
		assertThat(this.duplicates).hasValue(2);
		advance(Duration.ofMillis(100));
		assertThat(acks()).containsExactly("{\"type\":\"ack\",\"cseq\":3}");
		send(3);
		assertThat(this.duplicates).hasValue(3);
		advance(Duration.ofMillis(100));
		assertThat(acks()).containsExactly("{\"type\":\"ack\",\"cseq\":3}", "{\"type\":\"ack\",\"cseq\":3}");
	}

	@Test
	void theAcknowledgementPassRunsEveryQuarterOfTheAckIntervalWithinTenMillisecondsAndOneSecond() {
		PulseSettings defaults = PulseSettings.defaults();
		assertThat(EngineTimer.ackPeriodFor(defaults.withClientAcks(16, Duration.ofMillis(100))))
			.isEqualTo(Duration.ofMillis(25));
		assertThat(EngineTimer.ackPeriodFor(defaults.withClientAcks(16, Duration.ofMillis(20))))
			.isEqualTo(Duration.ofMillis(10));
		assertThat(EngineTimer.ackPeriodFor(defaults.withClientAcks(16, Duration.ofMinutes(1))))
			.isEqualTo(Duration.ofSeconds(1));
	}

}
