package io.github.pulse.web;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.SendBufferFullException;
import io.github.pulse.core.SessionManager;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.RawWebSocket;
import io.github.pulse.test.TestClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A client that stops reading: the others keep receiving, no caller blocks, and the overflow policy applies. The
 * stalled client is a raw socket that simply does not read, so the server's writes back up for certain.
 */
class SlowConsumerIntegrationTests {

	private static final ObjectMapper MAPPER = new ObjectMapper();

	private static final String BIG = "x".repeat(16 * 1024);

	/**
	 * Write timeout of the overflow tests: long enough never to end a test, so that only the overflow policy acts.
	 */
	private static final Duration WRITE_TIMEOUT = Duration.ofMinutes(1);

	/** A raw client that reads its welcome and then nothing until told to. */
	record Stalled(RawWebSocket socket, String id) implements AutoCloseable {

		static Stalled connect(int port, String room) throws IOException {
			RawWebSocket socket = RawWebSocket.connect(port, "/pulse?room=" + room);
			JsonNode welcome = MAPPER.readTree(socket.nextText());
			return new Stalled(socket, welcome.path("connectionId").asText());
		}

		/** Reads every message up to the close frame or until {@code last} matches. */
		List<JsonNode> readUntil(java.util.function.Predicate<JsonNode> last) throws IOException {
			List<JsonNode> messages = new ArrayList<>();
			String text;
			while ((text = this.socket.nextMessage(Duration.ofSeconds(20))) != null) {
				JsonNode frame = MAPPER.readTree(text);
				messages.add(frame);
				if (last.test(frame)) {
					break;
				}
			}
			return messages;
		}

		@Override
		public void close() {
			this.socket.close();
		}

	}

	/**
	 * Broadcasts to the room until {@code done} holds, checking after each broadcast that the healthy client got it
	 * and, if {@code blockedAfter} is given, that the broadcast returned sooner: a broadcaster waiting on the stalled
	 * socket would wait until the write timeout frees it. Waits on the condition, never on the number of frames
	 * queued: a queue that is full for a moment may only be a writer running late on a busy machine, whose socket
	 * has room and drains a moment later.
	 * @return the number of broadcasts
	 */
	static int floodUntil(SessionManager manager, TestClient healthy, String room, @Nullable Duration blockedAfter,
			String what, BooleanSupplier done) {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		int sent = 0;
		while (!done.getAsBoolean()) {
			assertThat(System.nanoTime() - deadline).as("%s within 30 s; %d broadcasts", what, sent).isNegative();
			long before = System.nanoTime();
			manager.broadcast(room, "flood", BIG);
			if (blockedAfter != null) {
				assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(blockedAfter);
			}
			sent++;
			// the healthy client keeps up
			assertThat(healthy.nextOfType("message").path("event").asText()).isEqualTo("flood");
		}
		return sent;
	}

	/** Frames dropped so far because a send buffer was full. */
	static double sendBufferDrops(MeterRegistry registry) {
		Counter counter = registry.find("pulse.frames.dropped").tag("cause", "send-buffer-overflow").counter();
		return (counter != null) ? counter.count() : 0;
	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.buffer.send-frames=8", "pulse.buffer.overflow=disconnect",
					"pulse.resume.buffer-frames=16", "pulse.write-timeout=1m" })
	class Disconnect extends PulseIntegrationTest {

		@Test
		void stalledClientIsClosedWith4002WhileOthersKeepReceiving() throws IOException {
			try (Connected healthy = connect("?room=slow"); Stalled stalled = Stalled.connect(this.port, "slow")) {
				PulseConnection connection = this.manager.connection(stalled.id());
				// once the stalled socket backs up, the 9th frame waiting overflows the buffer of 8
				floodUntil(this.manager, healthy.client(), "slow", WRITE_TIMEOUT, "the slow consumer closed",
						() -> connection.state() == ConnectionState.CLOSED);
				Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
						this.recorder.disconnectsOf(stalled.id())).extracting(ChatTestApplication.Disconnect::reason)
					.containsExactly(DisconnectReason.SLOW_CONSUMER));
				RawWebSocket.Frame close = stalled.socket().awaitClose();
				assertThat(close).isNotNull();
				assertThat(close.closeCode()).isEqualTo(4002);
				assertThat(close.closeReason()).isEqualTo("slow consumer");
				this.manager.broadcast("slow", "after", 1);
				assertThat(healthy.client().nextMatching((f) -> "after".equals(f.path("event").asText()))).isNotNull();
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.buffer.send-frames=8", "pulse.buffer.overflow=drop-oldest",
					"pulse.resume.buffer-frames=16", "pulse.write-timeout=1m" })
	class DropOldest extends PulseIntegrationTest {

		@Autowired
		MeterRegistry registry;

		@Test
		void stalledClientLosesTheOldestQueuedFramesAndSeesTheGapInSeq() throws IOException {
			try (Connected healthy = connect("?room=slow"); Stalled stalled = Stalled.connect(this.port, "slow")) {
				double dropsBefore = sendBufferDrops(this.registry);
				floodUntil(this.manager, healthy.client(), "slow", WRITE_TIMEOUT, "a frame dropped",
						() -> sendBufferDrops(this.registry) > dropsBefore);
				for (int i = 0; i < 20; i++) {
					this.manager.broadcast("slow", "tail", i);
					healthy.client().nextOfType("message");
				}
				PulseConnection connection = this.manager.connection(stalled.id());
				assertThat(connection.queuedFrames()).isLessThanOrEqualTo(8);
				// a direct send is refused once the buffer is full, never dropped in place of a queued frame; the
				// kernel may still take a few more bytes as its buffers grow, so send until the refusal comes
				int accepted = 0;
				boolean refused = false;
				while (!refused && accepted < 4000) {
					try {
						this.manager.send(stalled.id(), "direct", BIG);
						accepted++;
					}
					catch (SendBufferFullException ex) {
						refused = true;
					}
				}
				assertThat(refused).as("a direct send into the full buffer was refused").isTrue();
				assertThat(connection.queuedFrames()).isLessThanOrEqualTo(8);
				List<JsonNode> received = stalled.readUntil((f) -> "tail".equals(f.path("event").asText())
						&& f.path("payload").asInt() == 19);
				JsonNode last = received.get(received.size() - 1);
				assertThat(last.path("payload").asInt()).isEqualTo(19);
				// at least one frame queued before the tail was evicted: the client sees the gap in seq
				assertThat((long) received.size()).isLessThan(last.path("seq").asLong());
				// every accepted direct send arrives, right after the tail and without a gap: none was evicted
				int expectedDirects = accepted;
				int[] directs = { 0 };
				List<JsonNode> after = (expectedDirects == 0) ? List.of()
						: stalled.readUntil((f) -> "direct".equals(f.path("event").asText())
								&& ++directs[0] == expectedDirects);
				assertThat(after.size()).isEqualTo(expectedDirects);
				assertThat(after).extracting((f) -> f.path("event").asText()).allMatch("direct"::equals);
				for (int i = 0; i < after.size(); i++) {
					assertThat(after.get(i).path("seq").asLong()).isEqualTo(last.path("seq").asLong() + i + 1);
				}
				assertThat(this.manager.connection(stalled.id()).state()).isEqualTo(ConnectionState.OPEN);
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.buffer.send-frames=8", "pulse.buffer.overflow=drop-newest",
					"pulse.resume.buffer-frames=16", "pulse.write-timeout=1m" })
	class DropNewest extends PulseIntegrationTest {

		@Autowired
		MeterRegistry registry;

		@Test
		void stalledClientMissesTheNewestFramesWithoutAGapInSeq() throws IOException {
			try (Connected healthy = connect("?room=slow"); Stalled stalled = Stalled.connect(this.port, "slow")) {
				double dropsBefore = sendBufferDrops(this.registry);
				int broadcasts = floodUntil(this.manager, healthy.client(), "slow", WRITE_TIMEOUT, "a frame dropped",
						() -> sendBufferDrops(this.registry) > dropsBefore);
				int tail = 20;
				for (int i = 0; i < tail; i++) {
					this.manager.broadcast("slow", "tail", i);
					healthy.client().nextOfType("message");
				}
				broadcasts += tail;
				// each broadcast was either queued with the next seq or dropped and counted
				long dropped = (long) (sendBufferDrops(this.registry) - dropsBefore);
				assertThat(dropped).isPositive();
				long queued = broadcasts - dropped;
				int[] read = { 0 };
				List<JsonNode> received = new ArrayList<>(stalled.readUntil((f) -> ++read[0] == queued));
				this.manager.broadcast("slow", "marker", 0);
				received.addAll(stalled.readUntil((f) -> "marker".equals(f.path("event").asText())));
				assertThat(received.size()).isEqualTo(queued + 1);
				long seq = 0;
				for (JsonNode frame : received) {
					assertThat(frame.path("seq").asLong()).isEqualTo(++seq);
				}
				assertThat(received.get((int) queued).path("event").asText()).isEqualTo("marker");
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.write-timeout=1s", "pulse.buffer.send-frames=64" })
	class WriteTimeout extends PulseIntegrationTest {

		@Test
		void aWriteStuckLongerThanTheWriteTimeoutDropsTheTransportAndSuspendsTheSession() throws IOException {
			try (Connected healthy = connect("?room=stuck"); Stalled stalled = Stalled.connect(this.port, "stuck")) {
				PulseConnection connection = this.manager.connection(stalled.id());
				long floodStart = System.nanoTime();
				// the broadcasts go on until a write is stuck for the write timeout; when the socket backs up
				// depends on the machine, so the test waits for the outcome, not for a number of frames queued
				// (the listener hears of the drop after the state changed, so the test waits for the listener)
				String drop = "drop:" + stalled.id() + ":" + DisconnectReason.TRANSPORT_ERROR;
				floodUntil(this.manager, healthy.client(), "stuck", null, "the transport dropped",
						() -> this.recorder.events.contains(drop));
				// the write that timed out started after the first broadcast
				assertThat(Duration.ofNanos(System.nanoTime() - floodStart)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
				assertThat(connection.state()).isEqualTo(ConnectionState.SUSPENDED);
				assertThat(this.recorder.disconnectsOf(stalled.id())).isEmpty();
				this.manager.broadcast("stuck", "after", 1);
				assertThat(healthy.client().nextMatching((f) -> "after".equals(f.path("event").asText()))).isNotNull();
			}
		}

	}

}
