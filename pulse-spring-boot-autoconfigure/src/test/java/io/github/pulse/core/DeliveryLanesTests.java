package io.github.pulse.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseListener;
import io.github.pulse.codec.JacksonPulseCodec;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Delivery lanes: a broadcast to a large room only queues the frame for each member on the broadcasting thread; the
 * writes start on the delivery threads, each member's frames once and in order.
 */
class DeliveryLanesTests {

	private SessionManager manager;

	private SessionManager manager(int threads, int minRoomSize) {
		PulseSettings d = PulseSettings.defaults();
		// send buffers that hold the whole stream: the broadcasting threads queue faster than in-memory writes drain
		PulseSettings settings = new PulseSettings(d.heartbeatInterval(), d.heartbeatTimeout(), d.writeTimeout(),
				d.idleTimeout(), d.shutdownTimeout(), 10_000, 64L << 20, d.overflowPolicy(), d.resumeWindow(),
				10_000, 64L << 20, d.maxConnections(), d.inboundRate(), d.inboundBurst(),
				d.resumeMaxFailuresPerMinute());
		this.manager = new SessionManager(settings, new JacksonPulseCodec(), List.of(new PulseListener() {
		}), PulseObserver.NOOP, System::nanoTime);
		this.manager.setDeliveryLanes(threads, minRoomSize);
		this.manager.start();
		return this.manager;
	}

	@AfterEach
	void stop() {
		this.manager.shutdown();
	}

	private List<FakeTransport> open(SessionManager manager, String room, int count) {
		List<FakeTransport> transports = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			FakeTransport transport = new FakeTransport();
			manager.open(transport, ConnectDecision.accept(List.of(room)), null, null, 0);
			transports.add(transport);
		}
		return transports;
	}

	@Test
	void aLargeRoomsWritesStartOnTheDeliveryThreadsAndASmallRoomsOnTheCallers() {
		SessionManager manager = manager(2, 10);
		List<FakeTransport> large = open(manager, "large", 10);
		List<FakeTransport> small = open(manager, "small", 9);
		assertThat(manager.broadcast("large", "m", 1)).isEqualTo(10);
		assertThat(manager.broadcast("small", "m", 1)).isEqualTo(9);
		Awaitility.await().atMost(Duration.ofSeconds(10))
			.until(() -> large.stream().allMatch((transport) -> transport.messages().size() == 1));
		for (FakeTransport transport : large) {
			assertThat(lastWriter(transport)).startsWith("pulse-delivery-");
		}
		for (FakeTransport transport : small) {
			assertThat(transport.messages()).hasSize(1);
			assertThat(lastWriter(transport)).isEqualTo(Thread.currentThread().getName());
		}
	}

	@Test
	void withoutDeliveryThreadsEveryWriteStartsOnTheCallersThread() {
		SessionManager manager = manager(0, 1);
		List<FakeTransport> room = open(manager, "large", 100);
		manager.broadcast("large", "m", 1);
		for (FakeTransport transport : room) {
			assertThat(transport.messages()).hasSize(1);
			assertThat(lastWriter(transport)).isEqualTo(Thread.currentThread().getName());
		}
	}

	@Test
	void broadcastsFromSeveralThreadsReachEveryMemberOnceAndInSequence() {
		SessionManager manager = manager(3, 1);
		List<FakeTransport> room = open(manager, "lobby", 100);
		int perThread = 400;
		List<CompletableFuture<Void>> publishers = new ArrayList<>();
		for (int p = 0; p < 3; p++) {
			int publisher = p;
			publishers.add(CompletableFuture.runAsync(() -> {
				for (int k = 0; k < perThread; k++) {
					manager.broadcast("lobby", "m", publisher + ":" + k);
				}
			}));
		}
		publishers.forEach(CompletableFuture::join);
		int total = 3 * perThread;
		Awaitility.await().atMost(Duration.ofSeconds(30))
			.until(() -> room.stream().allMatch((transport) -> transport.messages().size() >= total));
		for (FakeTransport transport : room) {
			List<String> messages = transport.messages();
			assertThat(messages).hasSize(total);
			int[] next = new int[3];
			for (int i = 0; i < total; i++) {
				String text = messages.get(i);
				assertThat(text).startsWith("{\"type\":\"message\",\"seq\":" + (i + 1) + ",");
				int publisher = text.charAt(text.indexOf("\"payload\":\"") + 11) - '0';
				assertThat(text).contains("\"payload\":\"" + publisher + ":" + next[publisher]++ + "\"");
			}
		}
	}

	@Test
	void aStalledMembersFramesWaitWithoutHoldingBackTheOthers() {
		SessionManager manager = manager(1, 1);
		List<FakeTransport> room = open(manager, "lobby", 20);
		FakeTransport stalled = room.get(0);
		stalled.stall();
		for (int k = 1; k <= 5; k++) {
			manager.broadcast("lobby", "m", k);
		}
		Awaitility.await().atMost(Duration.ofSeconds(10))
			.until(() -> room.subList(1, 20).stream().allMatch((transport) -> transport.messages().size() == 5));
		assertThat(stalled.messages()).hasSizeLessThanOrEqualTo(1);
		stalled.release();
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stalled.messages().size() == 5);
	}

	private static String lastWriter(FakeTransport transport) {
		return transport.writerThreads.get(transport.writerThreads.size() - 1);
	}

}
