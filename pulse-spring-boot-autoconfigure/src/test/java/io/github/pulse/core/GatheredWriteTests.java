package io.github.pulse.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionState;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.codec.JacksonPulseCodec;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import io.github.pulse.PulseCloseStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The write path on a gathering transport: frames go into the output buffer, one flush follows the last of them,
 * whatever queued up during a flush goes out in the next one, in order, and a close frame never overtakes buffered
 * frames.
 */
class GatheredWriteTests {

	private final AtomicLong now = new AtomicLong();

	private SessionManager manager;

	private SessionManager manager(PulseSettings settings) {
		this.manager = new SessionManager(settings, new JacksonPulseCodec(), List.of(new PulseListener() {
		}), PulseObserver.NOOP, this.now::get);
		return this.manager;
	}

	private SessionManager manager() {
		return manager(PulseSettings.defaults());
	}

	@AfterEach
	void stop() {
		if (this.manager != null) {
			this.manager.shutdown();
		}
	}

	@Test
	void eachFrameIsFlushedWhenNothingElseIsWaiting() {
		SessionManager manager = manager();
		FakeTransport transport = new FakeTransport().gathering();
		manager.open(transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		manager.broadcast("lobby", "m", 1);
		manager.broadcast("lobby", "m", 2);
		assertThat(transport.flushes).hasSize(3);
		assertThat(transport.flushes.get(0)).singleElement().asString().startsWith("{\"type\":\"welcome\"");
		assertThat(transport.flushes.get(1)).singleElement().asString().startsWith("{\"type\":\"message\",\"seq\":1,");
		assertThat(transport.flushes.get(2)).singleElement().asString().startsWith("{\"type\":\"message\",\"seq\":2,");
		assertThat(transport.bufferedCount()).isZero();
		// the two messages found nothing to be gathered with: each was written at once
		assertThat(transport.immediateWrites).isEqualTo(2);
	}

	@Test
	void framesQueuedDuringAFlushGoOutTogetherInOrderInTheNextFlush() {
		SessionManager manager = manager();
		FakeTransport transport = new FakeTransport().gathering();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		transport.stall();
		manager.broadcast("lobby", "m", 1);
		for (int i = 2; i <= 6; i++) {
			manager.broadcast("lobby", "m", i);
		}
		connection.send("direct", 7);
		assertThat(transport.flushes).hasSize(2);
		assertThat(connection.queuedFrames()).isEqualTo(6);
		transport.release();
		assertThat(transport.flushes).hasSize(3);
		assertThat(transport.flushes.get(2)).hasSize(6);
		// only the first message was alone; the six that waited were gathered into one flush
		assertThat(transport.immediateWrites).isEqualTo(1);
		assertThat(transport.messages()).extracting((text) -> text.substring(0, text.indexOf(",\"event\"")))
			.containsExactly("{\"type\":\"message\",\"seq\":1", "{\"type\":\"message\",\"seq\":2",
					"{\"type\":\"message\",\"seq\":3", "{\"type\":\"message\",\"seq\":4",
					"{\"type\":\"message\",\"seq\":5", "{\"type\":\"message\",\"seq\":6",
					"{\"type\":\"message\",\"seq\":7");
		assertThat(connection.queuedFrames()).isZero();
	}

	@Test
	void theCloseFrameFollowsTheFlushOfEverythingBufferedBeforeIt() {
		SessionManager manager = manager();
		FakeTransport transport = new FakeTransport().gathering();
		PulseConnection connection = manager.open(transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		transport.stall();
		manager.broadcast("lobby", "m", 1);
		manager.broadcast("lobby", "m", 2);
		manager.broadcast("lobby", "m", 3);
		connection.close(1000, "bye");
		assertThat(transport.closes).isEmpty();
		transport.release();
		assertThat(transport.messages()).hasSize(3);
		assertThat(transport.bufferedCount()).isZero();
		Awaitility.await().until(() -> !transport.closes.isEmpty());
		assertThat(transport.closes).containsExactly(new PulseCloseStatus(1000, "bye"));
		assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
	}

	@Test
	void aHeartbeatPingIsFlushedLikeAnyFrame() {
		PulseSettings defaults = PulseSettings.defaults();
		SessionManager manager = manager(defaults);
		FakeTransport transport = new FakeTransport().gathering();
		manager.open(transport, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		this.now.addAndGet(defaults.heartbeatInterval().plus(Duration.ofMillis(1)).toNanos());
		manager.tick();
		Awaitility.await().until(() -> transport.pings == 1);
		assertThat(transport.flushes.get(transport.flushes.size() - 1)).containsExactly("<ping>");
	}

	@Test
	void framesBufferedButNotFlushedWhenTheTransportDropsAreReplayedOnResume() {
		SessionManager manager = manager();
		FakeTransport first = new FakeTransport().gathering();
		PulseConnection connection = manager.open(first, ConnectDecision.accept(List.of("lobby")), null, null, 0);
		String token = SessionManagerTests.token(first.texts.get(0));
		first.stall();
		manager.broadcast("lobby", "m", 1);
		manager.broadcast("lobby", "m", 2);
		manager.broadcast("lobby", "m", 3);
		// seq 1 is in the flush in flight, 2 and 3 wait; the socket dies before any of it reaches the client
		manager.onTransportClosed(connection, first, PulseCloseStatus.NO_CLOSE_FRAME);
		FakeTransport second = new FakeTransport().gathering();
		assertThat(manager.open(second, ConnectDecision.accept(List.of("lobby")), null, token, 0)).isSameAs(connection);
		assertThat(second.texts.get(0)).contains("\"replayed\":3,\"missed\":0");
		assertThat(second.messages()).hasSize(3);
		assertThat(second.messages().get(0)).startsWith("{\"type\":\"message\",\"seq\":1,");
		assertThat(second.messages().get(2)).startsWith("{\"type\":\"message\",\"seq\":3,");
		first.release();
		manager.broadcast("lobby", "m", 4);
		assertThat(second.messages()).hasSize(4);
		assertThat(first.messages()).hasSize(1);
	}

	@Test
	void messageFramesAreEncodedLikeTheirText() {
		EncodedBody body = EncodedBody.of(",\"event\":\"é\",\"payload\":\"😀\"}");
		for (long seq : new long[] { 1, 9, 10, 99, 100, 123456789, Long.MAX_VALUE }) {
			OutFrame.Message message = new OutFrame.Message(seq, body, 0);
			assertThat(new String(message.utf8Bytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(message.text());
			assertThat(message.utf8Bytes()).hasSize(message.bytes);
		}
	}

}
