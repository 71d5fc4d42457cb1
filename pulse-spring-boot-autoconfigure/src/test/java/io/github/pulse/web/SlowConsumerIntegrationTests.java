package io.github.pulse.web;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.SendBufferFullException;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A client that stops reading: the others keep receiving, no caller blocks, and the overflow policy applies.
 */
class SlowConsumerIntegrationTests {

	private static final String BIG = "\"" + "x".repeat(16 * 1024) + "\"";

	/** Broadcasts until the stalled client's send buffer is full, checking the broadcaster never blocks. */
	static void floodUntilFull(PulseIntegrationTest test, io.github.pulse.core.SessionManager manager,
			TestClient healthy, String stalledId, String room) {
		PulseConnection stalled = manager.connection(stalledId);
		long started = System.nanoTime();
		int sent = 0;
		assertThat(stalled).isNotNull();
		while (sent < 2000 && stalled.state() != io.github.pulse.ConnectionState.CLOSED
				&& stalled.queuedFrames() < 8) {
			long before = System.nanoTime();
			manager.broadcast(room, "flood", com.fasterxml.jackson.databind.node.TextNode.valueOf(BIG.substring(1,
					BIG.length() - 1)));
			assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(1));
			sent++;
			// the healthy client keeps up
			JsonNode frame = healthy.nextOfType("message");
			assertThat(frame.path("event").asText()).isEqualTo("flood");
		}
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
		assertThat(sent).as("the stalled client's socket never backed up").isLessThan(2000);
	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.buffer.send-frames=8", "pulse.buffer.overflow=disconnect",
					"pulse.resume.buffer-frames=16" })
	class Disconnect extends PulseIntegrationTest {

		@Test
		void stalledClientIsClosedWith4002WhileOthersKeepReceiving() {
			try (Connected healthy = connect("?room=slow"); Connected stalled = connect("?room=slow")) {
				stalled.client().pause();
				floodUntilFull(this, this.manager, healthy.client(), stalled.id(), "slow");
				// the buffer holds 8 frames: the next broadcast overflows it
				this.manager.broadcast("slow", "overflow", 1);
				Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
						this.recorder.disconnectsOf(stalled.id())).extracting(ChatTestApplication.Disconnect::reason)
					.containsExactly(DisconnectReason.SLOW_CONSUMER));
				stalled.client().unpause();
				assertThat(stalled.client().awaitClose(Duration.ofSeconds(20)))
					.isEqualTo(new TestClient.Close(4002, "slow consumer"));
				this.manager.broadcast("slow", "after", 1);
				assertThat(healthy.client().nextMatching((f) -> "after".equals(f.path("event").asText()))).isNotNull();
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.buffer.send-frames=8", "pulse.buffer.overflow=drop-oldest",
					"pulse.resume.buffer-frames=16" })
	class DropOldest extends PulseIntegrationTest {

		@Test
		void stalledClientLosesTheOldestQueuedFramesAndSeesTheGapInSeq() {
			try (Connected healthy = connect("?room=slow"); Connected stalled = connect("?room=slow")) {
				stalled.client().pause();
				floodUntilFull(this, this.manager, healthy.client(), stalled.id(), "slow");
				for (int i = 0; i < 20; i++) {
					this.manager.broadcast("slow", "tail", i);
					healthy.client().nextOfType("message");
				}
				assertThat(this.manager.connection(stalled.id()).queuedFrames()).isLessThanOrEqualTo(8);
				assertThatExceptionOfType(SendBufferFullException.class)
					.isThrownBy(() -> this.manager.send(stalled.id(), "direct", 1));
				stalled.client().unpause();
				JsonNode last = stalled.client().nextMatching((f) -> "tail".equals(f.path("event").asText())
						&& f.path("payload").asInt() == 19);
				long lastSeq = last.path("seq").asLong();
				long received = stalled.client().history().stream().filter((f) -> f.has("seq")).count();
				assertThat(received).isLessThan(lastSeq);
				assertThat(stalled.client().isClosed()).isFalse();
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.buffer.send-frames=8", "pulse.buffer.overflow=drop-newest",
					"pulse.resume.buffer-frames=16" })
	class DropNewest extends PulseIntegrationTest {

		@Test
		void stalledClientMissesTheNewestFramesWithoutAGapInSeq() {
			try (Connected healthy = connect("?room=slow"); Connected stalled = connect("?room=slow")) {
				stalled.client().pause();
				floodUntilFull(this, this.manager, healthy.client(), stalled.id(), "slow");
				for (int i = 0; i < 20; i++) {
					this.manager.broadcast("slow", "tail", i);
					healthy.client().nextOfType("message");
				}
				stalled.client().unpause();
				Awaitility.await().untilAsserted(
						() -> assertThat(this.manager.connection(stalled.id()).queuedFrames()).isZero());
				this.manager.broadcast("slow", "marker", 0);
				stalled.client().nextMatching((f) -> "marker".equals(f.path("event").asText()));
				long seq = 0;
				for (JsonNode frame : stalled.client().history()) {
					if (frame.has("seq")) {
						assertThat(frame.path("seq").asLong()).isEqualTo(++seq);
					}
				}
			}
		}

	}

}
