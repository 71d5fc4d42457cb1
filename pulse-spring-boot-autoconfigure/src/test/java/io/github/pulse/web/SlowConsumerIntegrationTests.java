package io.github.pulse.web;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.SendBufferFullException;
import io.github.pulse.core.SessionManager;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.PulseIntegrationTest;
import io.github.pulse.test.RawWebSocket;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
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

	/** Broadcasts until the stalled client's send buffer is full, checking the broadcaster never blocks. */
	static int floodUntilFull(SessionManager manager, TestClient healthy, String stalledId, String room) {
		PulseConnection stalled = manager.connection(stalledId);
		assertThat(stalled).isNotNull();
		int sent = 0;
		while (sent < 4000 && stalled.state() != ConnectionState.CLOSED && stalled.queuedFrames() < 8) {
			long before = System.nanoTime();
			manager.broadcast(room, "flood", BIG);
			assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(1));
			sent++;
			// the healthy client keeps up
			assertThat(healthy.nextOfType("message").path("event").asText()).isEqualTo("flood");
		}
		assertThat(sent).as("the stalled client's socket never backed up").isLessThan(4000);
		return sent;
	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.buffer.send-frames=8", "pulse.buffer.overflow=disconnect",
					"pulse.resume.buffer-frames=16" })
	class Disconnect extends PulseIntegrationTest {

		@Test
		void stalledClientIsClosedWith4002WhileOthersKeepReceiving() throws IOException {
			try (Connected healthy = connect("?room=slow"); Stalled stalled = Stalled.connect(this.port, "slow")) {
				floodUntilFull(this.manager, healthy.client(), stalled.id(), "slow");
				// the buffer holds 8 frames: the next broadcast overflows it
				this.manager.broadcast("slow", "overflow", 1);
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
					"pulse.resume.buffer-frames=16" })
	class DropOldest extends PulseIntegrationTest {

		@Test
		void stalledClientLosesTheOldestQueuedFramesAndSeesTheGapInSeq() throws IOException {
			try (Connected healthy = connect("?room=slow"); Stalled stalled = Stalled.connect(this.port, "slow")) {
				floodUntilFull(this.manager, healthy.client(), stalled.id(), "slow");
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
				assertThat(connection.queuedFrames()).isEqualTo(8);
				List<JsonNode> received = stalled.readUntil((f) -> "tail".equals(f.path("event").asText())
						&& f.path("payload").asInt() == 19);
				JsonNode last = received.get(received.size() - 1);
				assertThat(last.path("payload").asInt()).isEqualTo(19);
				assertThat((long) received.size()).isLessThan(last.path("seq").asLong());
				assertThat(this.manager.connection(stalled.id()).state()).isEqualTo(ConnectionState.OPEN);
			}
		}

	}

	@Nested
	@SpringBootTest(classes = ChatTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
			properties = { "pulse.buffer.send-frames=8", "pulse.buffer.overflow=drop-newest",
					"pulse.resume.buffer-frames=16" })
	class DropNewest extends PulseIntegrationTest {

		@Test
		void stalledClientMissesTheNewestFramesWithoutAGapInSeq() throws IOException {
			try (Connected healthy = connect("?room=slow"); Stalled stalled = Stalled.connect(this.port, "slow")) {
				int floods = floodUntilFull(this.manager, healthy.client(), stalled.id(), "slow");
				int tail = 20;
				for (int i = 0; i < tail; i++) {
					this.manager.broadcast("slow", "tail", i);
					healthy.client().nextOfType("message");
				}
				// every flood frame was queued before the buffer was full; the tail met a full buffer
				int[] floodsRead = { 0 };
				List<JsonNode> received = new ArrayList<>(stalled.readUntil(
						(f) -> "flood".equals(f.path("event").asText()) && ++floodsRead[0] == floods));
				this.manager.broadcast("slow", "marker", 0);
				received.addAll(stalled.readUntil((f) -> "marker".equals(f.path("event").asText())));
				long seq = 0;
				for (JsonNode frame : received) {
					assertThat(frame.path("seq").asLong()).isEqualTo(++seq);
				}
				assertThat(received.stream().filter((f) -> "tail".equals(f.path("event").asText())).count())
					.isLessThan(tail);
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
				floodUntilFull(this.manager, healthy.client(), stalled.id(), "stuck");
				long stuckSince = System.nanoTime();
				PulseConnection connection = this.manager.connection(stalled.id());
				Awaitility.await()
					.atMost(Duration.ofSeconds(10))
					.until(() -> connection.state() == ConnectionState.SUSPENDED);
				assertThat(Duration.ofNanos(System.nanoTime() - stuckSince)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
				assertThat(this.recorder.events).contains("drop:" + stalled.id() + ":" + DisconnectReason.TRANSPORT_ERROR);
				assertThat(this.recorder.disconnectsOf(stalled.id())).isEmpty();
				this.manager.broadcast("stuck", "after", 1);
				assertThat(healthy.client().nextMatching((f) -> "after".equals(f.path("event").asText()))).isNotNull();
			}
		}

	}

}
